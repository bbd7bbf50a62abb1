package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.client.controller.Controller;
import dev.kapu.client.controller.ControllerSummary;
import dev.kapu.client.controller.WorkerSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Helpers for the controller tests: bounded polling, a barrier across processes, a worker counter. */
final class ControllerTesting {
  private ControllerTesting() {}

  /** JVM options that start small workers faster on a 2-core machine. */
  static final String[] SMALL_WORKER = {"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-Xss512k"};

  /** Polls {@code condition} every 20 ms until it holds; fails with {@code what} after {@code timeout}. */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for: " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for: " + what);
      }
    }
  }

  /**
   * Run inside a task: marks {@code started/<name>} and blocks until {@code release} exists (at
   * most {@code maxMillis}), so a test can hold tasks running while it looks at the workers.
   */
  static String holdUntilReleased(String started, String name, String release, long maxMillis) throws Exception {
    Files.createDirectories(Path.of(started));
    Files.writeString(Path.of(started, name), name);
    long deadline = System.currentTimeMillis() + maxMillis;
    while (!Files.exists(Path.of(release))) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("never released: " + release);
      }
      Thread.sleep(10);
    }
    return name;
  }

  static long count(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void touch(Path file) {
    try {
      Files.writeString(file, "go");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs a command (a scheduler's, in the tests of batch launchers) and returns its output; fails unless it exits 0. */
  static String run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  /** Prints the batch scripts and job logs, so a failure in CI shows what a scheduler ran and what it said. */
  static void dumpLogs(Path directory) {
    try (var files = Files.list(directory)) {
      for (Path f : files.sorted().toList()) {
        if (f.toString().endsWith(".log") || f.toString().endsWith(".sh")) {
          System.err.println("==== " + f + "\n" + Files.readString(f));
        }
      }
    } catch (Exception e) {
      System.err.println("cannot list " + directory + ": " + e);
    }
  }

  /** True, once, for the first caller: a task crashes on its first attempt only. */
  static boolean firstAttempt(String marker) throws IOException {
    try {
      Files.createFile(Path.of(marker));
      return true;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      return false;
    }
  }

  /** Every process on this machine whose command line holds {@code secret}. */
  static List<String> commandLinesContaining(String secret) {
    return ProcessHandle.allProcesses()
        .map(p -> p.info().commandLine().orElse(""))
        .filter(c -> c.contains(secret))
        .toList();
  }

  /**
   * Samples a controller every 10 ms from its own thread: the most workers that existed at once
   * (launching + connected, as the controller counts them) and the most daemons the dispatcher
   * saw connected at once.
   */
  static final class WorkerWatch implements AutoCloseable {
    final AtomicInteger maxWorkers = new AtomicInteger();
    final AtomicInteger maxConnected = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    WorkerWatch(Controller controller) {
      thread = new Thread(() -> {
        while (running.get()) {
          try {
            ControllerSummary s = controller.summary();
            long live = s.workers().stream().filter(w -> w.state().live()).count();
            maxWorkers.accumulateAndGet((int) live, Math::max);
            maxConnected.accumulateAndGet(controller.status().daemons().size(), Math::max);
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          } catch (RuntimeException e) {
            // the controller is closing
          }
        }
      }, "worker-watch");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(5_000);
    }
  }

  static WorkerSummary worker(ControllerSummary s, String id) {
    return s.workers().stream().filter(w -> w.id().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no worker " + id + " in " + s.workers()));
  }

  static void assertNoWorkerLeft(Controller c) {
    assertThat(c.status().daemons()).isEmpty();
    assertThat(c.summary().workers()).allMatch(w -> !w.state().live());
  }
}
