package dev.kapu.client;

import dev.kapu.daemon.DaemonCommand;
import dev.kapu.daemon.KapuConfig;
import dev.kapu.daemon.ResourceSpec;
import dev.kapu.flight.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Daemon processes on this machine, with this JVM's classpath. Each logs to its own file in the
 * session directory; the token reaches them through a file only their owner can read.
 */
final class ProcessDaemons implements Sessions.DaemonStarter {
  private final Endpoint endpoint;
  private final Path directory;
  private final Path tokenFile;
  private final Kapu.Builder b;
  private final Map<String, Process> processes = new ConcurrentHashMap<>();

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

  static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  @Override
  public void start(String id, List<ResourceSpec> resources) {
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.add("--add-opens=java.base/java.nio=ALL-UNNAMED");
    command.addAll(b.jvmOptions);
    command.add("@" + classpathFile());
    command.add(DaemonCommand.class.getName());
    command.addAll(List.of("--url", endpoint.url().toString(), "--token-file", tokenFile.toString(),
        "--id", id, "--slots", Integer.toString(b.slots)));
    if (endpoint.trustCertificate() != null) {
      command.addAll(List.of("--trust-cert", endpoint.trustCertificate().toString()));
    }
    for (String pattern : b.allow) {
      command.addAll(List.of("--allow", pattern));
    }
    if (!resources.isEmpty()) {
      Path config = directory.resolve("daemon-" + id + ".yaml");
      KapuConfig.writeResources(resources, config);
      command.addAll(List.of("--config", config.toString()));
    }
    Path log = logFile(id);
    try {
      Process p = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
      processes.put(id, p);
    } catch (IOException e) {
      throw new KapuException("cannot start a daemon process (" + command.get(0) + "): " + e.getMessage(), e);
    }
  }

  /**
   * The classpath goes in a Java argument file: a command line of many kilobytes is shown by
   * every {@code ps} and has crashed native libraries that read it at start-up.
   */
  private synchronized Path classpathFile() {
    Path file = directory.resolve("classpath.args");
    if (!Files.exists(file)) {
      String classpath = System.getProperty("java.class.path").replace("\\", "\\\\").replace("\"", "\\\"");
      try {
        Files.writeString(file, "-cp \"" + classpath + "\"\n", StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file, e);
      }
    }
    return file;
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
