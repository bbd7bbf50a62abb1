package dev.kapu.it;

import dev.kapu.client.LocalKapu;
import dev.kapu.client.launch.WorkerCommand;
import dev.kapu.daemon.DaemonCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A daemon process launched by hand ({@code java ... DaemonCommand --url ...}) and attached to a
 * session's dispatcher, as a user would on another machine.
 */
final class HandDaemon implements AutoCloseable {
  final String id;
  final Process process;
  final Path log;
  final long launchedAt = System.nanoTime();

  private HandDaemon(String id, Process process, Path log) {
    this.id = id;
    this.process = process;
    this.log = log;
  }

  /** Launches {@code DaemonCommand --id id options...} against {@code kapu}'s dispatcher. */
  static HandDaemon launch(LocalKapu kapu, Path dir, String id, String... options) throws IOException {
    return launch(List.of(), kapu.endpoint().url().toString(), kapu, dir, id, options);
  }

  /**
   * The same inside network namespace {@code ns}, dialing {@code kapu}'s dispatcher at {@code url}
   * (an address the namespace reaches it at).
   */
  static HandDaemon launchIn(NetworkNamespace ns, String url, LocalKapu kapu, Path dir, String id, String... options)
      throws IOException {
    return launch(ns.exec(List.of()), url, kapu, dir, id, options);
  }

  private static HandDaemon launch(List<String> prefix, String url, LocalKapu kapu, Path dir, String id,
      String... options) throws IOException {
    Path token = dir.resolve("token");
    if (!Files.exists(token)) {
      Files.createFile(token, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(token, kapu.endpoint().token(), StandardCharsets.UTF_8);
    }
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // The classpath travels in an argument file, as ProcessDaemons does: a command line of many
    // kilobytes is shown by every ps and has upset native libraries that read it at start-up.
    Path classpath = dir.resolve("classpath.args");
    if (!Files.exists(classpath)) {
      String cp = System.getProperty("java.class.path").replace("\\", "\\\\").replace("\"", "\\\"");
      Files.writeString(classpath, "-cp \"" + cp + "\"\n", StandardCharsets.UTF_8);
    }
    List<String> command = new ArrayList<>(prefix);
    command.add(java);
    command.addAll(WorkerCommand.JVM_FLAGS);
    command.addAll(List.of("@" + classpath, DaemonCommand.class.getName(),
        "--url", url, "--token-file", token.toString(), "--id", id));
    command.addAll(List.of(options));
    Path log = dir.resolve("daemon-" + id + ".log");
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    return new HandDaemon(id, p, log);
  }

  /** Waits until the dispatcher lists this daemon (failing early if the process dies). */
  HandDaemon awaitConnected(LocalKapu kapu) {
    Faults.await("daemon " + id + " to connect", Duration.ofSeconds(30), () -> {
      if (!process.isAlive()) {
        throw new AssertionError("daemon " + id + " exited with " + process.exitValue()
            + " before connecting:\n" + logText());
      }
      return Faults.daemon(kapu, id).isPresent();
    });
    return this;
  }

  /** Waits for the process to exit and returns its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("daemon " + id + " still running after " + timeout.toMillis()
          + " ms; its log:\n" + logText());
    }
    return process.exitValue();
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
