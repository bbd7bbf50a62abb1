package dev.kapu.bench;

import dev.kapu.client.launch.WorkerCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * A Java main class running in a JVM of its own, so that a peer is measured across a real process
 * boundary: a round trip inside one JVM would skip the kernel and flatter the peer.
 *
 * <p>The child runs this JVM's java binary with this JVM's class path, so any class of the
 * benchmark can be a child's main. It announces that it is ready by printing {@code READY <text>}
 * on stdout. Its stderr is merged into stdout and a daemon thread reads that one stream to the end,
 * so the pipe never fills and stalls the child. Lines before {@code READY} are kept to explain a
 * child that fails to start; lines after it are copied to this JVM's stderr, because the
 * benchmark's stdout must stay {@code key=value} lines only.
 *
 * <p>A child must never outlive the benchmark: {@link #close()} kills it, a shutdown hook covers an
 * exit that skipped {@code close()}, and a child that calls {@link #exitWithParent()} also goes
 * when this JVM is killed outright (SIGKILL runs no hooks, but it does close the child's stdin).
 *
 * <p>A child that calls {@link #answerRequests} instead can be asked questions while it runs
 * ({@link #ask}): a request is a line on its stdin, its answer a line {@code REPLY <text>} on its
 * stdout.
 */
public final class ChildJvm implements AutoCloseable {

  private static final String READY = "READY ";
  private static final String REPLY = "REPLY ";
  /** Enough to show a stack trace, bounded so a chatty child cannot fill the heap. */
  private static final int KEPT_LINES = 200;
  private static final long KILL_WAIT_SECONDS = 5;

  private final String name;
  private final String readyPrefix;
  private final Process process;
  private final Thread killAtExit;
  private final Deque<String> earlyOutput = new ArrayDeque<>();
  private final CompletableFuture<String> ready = new CompletableFuture<>();
  /** Answers not yet taken by {@link #ask}; a few at most, as each follows a request. */
  private final BlockingQueue<String> replies = new ArrayBlockingQueue<>(16);

  private ChildJvm(String name, String readyPrefix, Process process) {
    this.name = name;
    this.readyPrefix = readyPrefix;
    this.process = process;
    this.killAtExit = new Thread(process::destroyForcibly, "kill " + name);
    Runtime.getRuntime().addShutdownHook(killAtExit);
    Thread pump = new Thread(this::pumpOutput, "output of " + name);
    pump.setDaemon(true);
    pump.start();
  }

  /**
   * Starts {@code mainClass} in a new JVM and waits until it prints {@code READY <text>}.
   *
   * @param jvmArgs JVM options, added after Kapu's own ({@link WorkerCommand#JVM_FLAGS})
   * @return the running child; {@link #readyText()} holds the text after {@code READY}
   * @throws IOException if the child cannot start, exits, or stays silent past
   *     {@code readyTimeout}; the message carries the child's output, and the child is killed
   */
  public static ChildJvm start(Class<?> mainClass, List<String> jvmArgs, List<String> programArgs,
      Duration readyTimeout) throws IOException {
    return start(mainClass, jvmArgs, programArgs, readyTimeout, READY);
  }

  /**
   * Like {@link #start(Class, List, List, Duration)}, for a main that says it is ready its own
   * way: the first line starting with {@code readyPrefix} (such as {@code kapu serve}'s {@code
   * flight_url=}); {@link #readyText()} holds the rest of that line.
   */
  public static ChildJvm start(Class<?> mainClass, List<String> jvmArgs, List<String> programArgs,
      Duration readyTimeout, String readyPrefix) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(WorkerCommand.JVM_FLAGS);
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(programArgs);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    ChildJvm child = new ChildJvm(mainClass.getSimpleName(), readyPrefix, process);
    try {
      child.ready.get(readyTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return child;
    } catch (TimeoutException e) {
      child.close();
      throw child.failure("did not print READY within " + readyTimeout.toSeconds() + " s");
    } catch (ExecutionException e) {
      child.close();
      throw (IOException) e.getCause();
    } catch (InterruptedException e) {
      child.close();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while starting " + child.name);
    }
  }

  /** The CPU time the child has used so far, all its threads together. */
  public Duration cpuTime() {
    return process.info().totalCpuDuration().orElseThrow(
        () -> new IllegalStateException("this platform does not tell a process's CPU time"));
  }

  /** The text the child printed after {@code READY}, such as the port it listens on. */
  public String readyText() {
    return ready.join();
  }

  /** The child's process id, for signals ({@code kill -STOP}). */
  public long pid() {
    return process.pid();
  }

  /**
   * Sends {@code request} to a child that {@link #answerRequests answers requests} and waits for
   * its answer.
   *
   * @throws IOException if the child cannot be written to or does not answer within {@code timeout}
   */
  public String ask(String request, Duration timeout) throws IOException {
    Writer in = process.outputWriter(StandardCharsets.UTF_8);
    in.write(request + "\n");
    in.flush();
    try {
      String reply = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (reply == null) {
        throw new IOException("child JVM " + name + " did not answer '" + request + "' within "
            + timeout.toSeconds() + " s");
      }
      return reply;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while asking " + name);
    }
  }

  /**
   * For a child's {@code main}: halts this JVM once its stdin reaches end of file, which happens
   * when the parent JVM dies by any means. Halting rather than exiting is deliberate: nobody is
   * left to care about a graceful shutdown, and shutdown hooks could hang.
   */
  public static void exitWithParent() {
    answerRequests(request -> "this child answers no requests");
  }

  /**
   * For a child's {@code main}: answers each line its parent writes ({@link #ask}) with {@code
   * REPLY <answer>} on stdout, and halts this JVM at the end of stdin, as {@link #exitWithParent()}.
   */
  public static void answerRequests(UnaryOperator<String> answer) {
    Thread watcher = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          String reply = answer.apply(line).replace('\n', ' ');
          synchronized (System.out) {
            System.out.println(REPLY + reply);
            System.out.flush();
          }
        }
      } catch (IOException e) {
        // A broken stdin means the parent is gone, just like end of file.
      }
      Runtime.getRuntime().halt(0);
    }, "exit with parent");
    watcher.setDaemon(true);
    watcher.start();
  }

  /** Kills the child: politely first, then forcibly if it has not exited within 5 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(killAtExit);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the hook will run, harmlessly, on a dead process.
    }
  }

  private void pumpOutput() {
    try (BufferedReader output = process.inputReader(StandardCharsets.UTF_8)) {
      for (String line = output.readLine(); line != null; line = output.readLine()) {
        if (ready.isDone() && line.startsWith(REPLY)) {
          replies.offer(line.substring(REPLY.length()));
        } else if (ready.isDone()) {
          System.err.println("[" + name + "] " + line);
        } else if (line.startsWith(readyPrefix)) {
          ready.complete(line.substring(readyPrefix.length()).trim());
        } else {
          keep(line);
        }
      }
    } catch (IOException e) {
      // The stream closes under us when close() kills the child: nothing more to read.
    }
    if (!ready.isDone()) {
      ready.completeExceptionally(failure("exited with code " + exitCode() + " before printing READY"));
    }
  }

  private String exitCode() {
    try {
      return process.waitFor(KILL_WAIT_SECONDS, TimeUnit.SECONDS) ? String.valueOf(process.exitValue()) : "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  private void keep(String line) {
    synchronized (earlyOutput) {
      if (earlyOutput.size() == KEPT_LINES) {
        earlyOutput.removeFirst();
      }
      earlyOutput.addLast(line);
    }
  }

  private IOException failure(String what) {
    synchronized (earlyOutput) {
      return new IOException("child JVM " + name + " " + what + "; its output:\n"
          + String.join("\n", earlyOutput));
    }
  }
}
