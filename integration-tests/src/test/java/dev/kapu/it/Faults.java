package dev.kapu.it;

import dev.kapu.api.TaskContext;
import dev.kapu.client.Kapu;
import dev.kapu.flight.ClusterStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Helpers for the fault-tolerance tests: bounded polling on this side, and task bodies that run
 * inside daemon processes and talk to the test through files (the only channel a SIGKILLed
 * process cannot take down with it).
 */
final class Faults {
  /** The longest any single wait in these tests may take before the test fails. */
  static final Duration WAIT = Duration.ofSeconds(15);

  private Faults() {}

  // ---------------------------------------------------------------- this side: bounded waits

  /** Polls {@code condition} every 10 ms until it holds, failing after {@code timeout}. */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("gave up after " + timeout.toMillis() + " ms waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what, e);
      }
    }
  }

  static void await(String what, BooleanSupplier condition) {
    await(what, WAIT, condition);
  }

  /** Waits for a file a task writes (atomically) and returns its content. */
  static String awaitFile(Path file) {
    await("file " + file, () -> Files.exists(file));
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The future's value, failing the test if it takes longer than {@link #WAIT}. */
  static <T> T value(Future<T> future) throws Exception {
    return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Why the future failed, failing the test if it succeeds or takes longer than {@link #WAIT}. */
  static Throwable failure(Future<?> future) throws InterruptedException {
    return failure(future, WAIT);
  }

  /** Why the future failed, failing the test if it succeeds or takes longer than {@code limit}. */
  static Throwable failure(Future<?> future, Duration limit) throws InterruptedException {
    try {
      Object v = future.get(limit.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError("expected the future to fail, but it returned " + v);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (TimeoutException e) {
      throw new AssertionError("the future did not complete within " + limit.toMillis() + " ms");
    }
  }

  static Optional<ClusterStatus.Daemon> daemon(Kapu kapu, String id) {
    return kapu.status().daemons().stream().filter(d -> d.id().equals(id)).findFirst();
  }

  static ClusterStatus.Daemon requireDaemon(Kapu kapu, String id) {
    return daemon(kapu, id).orElseThrow(() -> new AssertionError("daemon " + id
        + " is not connected; status: " + kapu.status()));
  }

  /** Kills a daemon process the hard way (SIGKILL): no shutdown hooks, no goodbye on the wire. */
  static void sigkill(long pid) {
    ProcessHandle process = ProcessHandle.of(pid)
        .orElseThrow(() -> new AssertionError("no process " + pid));
    process.destroyForcibly();
    await("process " + pid + " to die", () -> !process.isAlive());
  }

  static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  // ---------------------------------------------------------------- inside daemons: task bodies

  /** Writes a file all at once, so a poller never reads half of it. */
  static void writeAtomically(String path, String content) throws IOException {
    Path target = Path.of(path);
    Path tmp = Files.createTempFile(target.getParent(), ".part-", ".tmp");
    Files.writeString(tmp, content, StandardCharsets.UTF_8);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Says it started (the file holds the daemon's id), then waits (interruptibly) until the {@code
   * release} file exists; returns the daemon's id.
   */
  static String blockUntilReleased(TaskContext ctx, String started, String release, long maxMillis)
      throws Exception {
    writeAtomically(started, ctx.daemonId());
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
    while (!Files.exists(Path.of(release))) {
      if (System.nanoTime() - end > 0) {
        throw new IllegalStateException("the test never released this task");
      }
      Thread.sleep(10);
    }
    return ctx.daemonId();
  }

  /**
   * Every attempt leaves a file named after its daemon in {@code dir}; the first attempt then
   * blocks (interruptibly, bounded), later attempts return the daemon's id at once.
   */
  static String blockOnFirstAttempt(TaskContext ctx, String dir) throws Exception {
    boolean first;
    try (var files = Files.list(Path.of(dir))) {
      first = files.noneMatch(f -> f.getFileName().toString().startsWith("attempt-"));
    }
    writeAtomically(dir + "/attempt-" + ctx.daemonId(), ctx.daemonId());
    if (first) {
      Thread.sleep(30_000);
      return "the first attempt was not stopped: " + ctx.daemonId();
    }
    return ctx.daemonId();
  }

  /** Every attempt leaves a file named after its daemon in {@code dir}, then blocks. */
  static String blockOnEveryAttempt(TaskContext ctx, String dir) throws Exception {
    writeAtomically(dir + "/attempt-" + ctx.daemonId(), ctx.daemonId());
    Thread.sleep(30_000);
    return "not stopped: " + ctx.daemonId();
  }

  /** Sleeps in a loop until interrupted; then leaves the {@code interrupted} file and rethrows. */
  static String sleepUntilInterrupted(TaskContext ctx, String started, String interrupted)
      throws Exception {
    writeAtomically(started, ctx.daemonId());
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try {
      while (System.nanoTime() - end < 0) {
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      writeAtomically(interrupted, "interrupted");
      throw e;
    }
    return "never interrupted";
  }

  /** Spins on the CPU, never looking at its interrupt flag, for up to {@code maxMillis}. */
  static long spinIgnoringInterrupts(TaskContext ctx, String started, long maxMillis)
      throws IOException {
    writeAtomically(started, ctx.daemonId());
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
    long spins = 0;
    while (System.nanoTime() - end < 0) {
      spins++;
      Thread.onSpinWait();
    }
    return spins;
  }

  /** Spins for {@code micros} microseconds, then returns the daemon's id. */
  static String spinFor(TaskContext ctx, long micros) {
    long end = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(micros);
    while (System.nanoTime() - end < 0) {
      Thread.onSpinWait();
    }
    return ctx.daemonId();
  }

  /** Names of live threads in this JVM that are inside {@code Faults.<method>}. */
  static List<String> threadsInside(String method) {
    List<String> names = new ArrayList<>();
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      boolean inside = Arrays.stream(e.getValue()).anyMatch(
          f -> f.getClassName().equals(Faults.class.getName()) && f.getMethodName().equals(method));
      if (inside) {
        names.add(e.getKey().getName());
      }
    }
    return names;
  }

  /** Leaves a file {@code dir/ran-<label>-<daemon id>} saying this task ran, and where. */
  static String recordRun(TaskContext ctx, String dir, String label) throws IOException {
    writeAtomically(dir + "/ran-" + label + "-" + ctx.daemonId(), ctx.daemonId());
    return ctx.daemonId();
  }

  /** Leaves a file saying this task ran, and where. */
  static String touch(TaskContext ctx, String path) throws IOException {
    writeAtomically(path, ctx.daemonId());
    return ctx.daemonId();
  }
}
