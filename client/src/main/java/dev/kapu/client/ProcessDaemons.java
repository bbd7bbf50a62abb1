package dev.kapu.client;

import dev.kapu.api.Endpoint;
import dev.kapu.api.KapuConfig;
import dev.kapu.api.KapuException;
import dev.kapu.api.ResourceSpec;
import dev.kapu.api.spi.DaemonRuntime;
import dev.kapu.client.internal.SessionDirectories;
import dev.kapu.client.launch.WorkerCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Daemon processes on this machine, with this JVM's classpath. Each logs to its own file in the
 * session directory; the token reaches them through a file only their owner can read.
 */
final class ProcessDaemons implements Sessions.DaemonStarter {
  private static final Logger log = LoggerFactory.getLogger(ProcessDaemons.class);
  private final Endpoint endpoint;
  private final Path directory;
  private final Path tokenFile;
  private final Kapu.Builder b;
  private final Map<String, Process> processes = new ConcurrentHashMap<>();
  private final Map<String, Long> startedAt = new ConcurrentHashMap<>();
  private String classpath;

  ProcessDaemons(Endpoint endpoint, Path directory, Kapu.Builder b) {
    this.endpoint = endpoint;
    this.directory = directory;
    this.b = b;
    this.tokenFile = directory.resolve("token");
    try {
      Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tokenFile, endpoint.token(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the token file", e);
    }
  }

  @Override
  public void start(String id, List<ResourceSpec> resources) {
    Path config = null;
    if (!resources.isEmpty()) {
      config = directory.resolve("daemon-" + id + ".yaml");
      KapuConfig.writeResources(resources, config);
    }
    List<String> command = new WorkerCommand(WorkerCommand.currentJava(), b.jvmOptions, classpath(),
        endpoint.url(), tokenFile, endpoint.trustCertificate(), b.slots, Duration.ZERO, Duration.ZERO, 0,
        b.allow, config).argv(id);
    if (!b.acceptShippedCode) {
      command.add("--no-shipped-code");
    }
    try {
      long started = System.nanoTime();
      Process p = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(id).toFile()))
          .start();
      processes.put(id, p);
      startedAt.put(id, started);
    } catch (IOException e) {
      throw new KapuException("cannot start a daemon process (" + command.get(0) + "): " + e.getMessage(), e);
    }
  }

  private synchronized String classpath() {
    if (classpath == null) {
      DaemonRuntime.require("Kapu.local(n)"); // a daemon process runs from this class path
      classpath = WorkerCommand.classpathArgumentFile(directory.resolve("classpath.args"));
    }
    return classpath;
  }

  private Path logFile(String id) {
    return directory.resolve("daemon-" + id + ".log");
  }

  @Override
  public String failure(String id) {
    Process p = processes.get(id);
    if (p == null || p.isAlive()) {
      return null;
    }
    return Ended.describe(p.exitValue()) + "; its log ends with:\n" + tail(logFile(id));
  }

  /**
   * How a daemon's process ended.
   *
   * @param uptime how long it ran
   * @param logTail the last lines of its log
   */
  record Ended(int exitCode, Duration uptime, String logTail) {
    /** "its process exited with code 3", "its process was killed by signal 9 (SIGKILL)". */
    String describe() {
      return describe(exitCode);
    }

    static String describe(int exitCode) {
      // Java reports a child killed by signal n as 128 + n.
      if (exitCode > 128 && exitCode < 128 + 32) {
        int signal = exitCode - 128;
        String name = switch (signal) {
          case 1 -> " (SIGHUP)";
          case 2 -> " (SIGINT)";
          case 6 -> " (SIGABRT: the JVM aborted, see its hs_err file)";
          case 9 -> " (SIGKILL)";
          case 11 -> " (SIGSEGV)";
          case 15 -> " (SIGTERM)";
          default -> "";
        };
        return "its process was killed by signal " + signal + name;
      }
      return "its process exited with code " + exitCode;
    }
  }

  /**
   * Completes when the daemon's process ends, and forgets it then; never for an unknown id. For
   * one watcher per daemon, once it has connected ({@link #failure} knows nothing of it after).
   */
  CompletableFuture<Ended> ended(String id) {
    Process p = processes.get(id);
    if (p == null) {
      return new CompletableFuture<>();
    }
    long started = startedAt.getOrDefault(id, System.nanoTime());
    return p.onExit().thenApply(done -> {
      processes.remove(id); // its ending is told once, to whoever watches it
      startedAt.remove(id);
      return new Ended(done.exitValue(), Duration.ofNanos(System.nanoTime() - started), tail(logFile(id)));
    });
  }

  /** SIGKILL: it works on a stopped process too, which would ignore anything gentler. */
  @Override
  public void kill(String id) {
    Process p = processes.get(id);
    if (p != null && p.isAlive()) {
      log.warn("killing daemon {} (pid {}): it was declared lost", id, p.pid());
      p.destroyForcibly();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** The dispatcher has closed by now, so daemons leave on their own; stragglers are killed. */
  @Override
  public void close() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (Process p : processes.values()) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.destroy();
          if (!p.waitFor(2, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    SessionDirectories.delete(directory);
  }

  /** The processes, for fault-injection tests. */
  Map<String, Process> processes() {
    return processes;
  }
}
