package dev.kapu.client;

import dev.kapu.client.launch.WorkerCommand;
import dev.kapu.daemon.KapuConfig;
import dev.kapu.daemon.ResourceSpec;
import dev.kapu.flight.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
    try {
      Process p = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile(id).toFile()))
          .start();
      processes.put(id, p);
    } catch (IOException e) {
      throw new KapuException("cannot start a daemon process (" + command.get(0) + "): " + e.getMessage(), e);
    }
  }

  private synchronized String classpath() {
    if (classpath == null) {
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
    return "its process exited with code " + p.exitValue() + "; its log ends with:\n" + tail(logFile(id));
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
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind is harmless
    }
  }

  /** The processes, for fault-injection tests. */
  Map<String, Process> processes() {
    return processes;
  }
}
