package dev.kapu.client.launch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to start one Kapu daemon: a Java command line for {@code kapu daemon} and the daemon's
 * limits. The token never appears on it (anyone may read a command line in {@code ps}): the daemon
 * reads it from {@link #tokenFile()}, a file only its owner can read, or, when {@code tokenFile}
 * is null, from the {@code KAPU_TOKEN} environment variable, which launchers that cannot share a
 * file (SSH) set on the far side.
 *
 * @param java the {@code java} binary on the machine where the worker runs
 * @param jvmOptions options before the main class, for example {@code -Xmx4g}
 * @param classpath the class path there; it must hold Kapu and the classes the tasks use. Or
 *     {@code @FILE}: a Java argument file holding {@code -cp ...} ({@link #classpathArgumentFile}),
 *     which keeps a command line of many kilobytes out of {@code ps}
 * @param url the dispatcher, as the worker must dial it
 * @param tokenFile where the worker reads the token; null to read {@code KAPU_TOKEN}
 * @param trustCertificate with {@code grpc+tls}, the PEM certificate the worker trusts; else null
 * @param slots tasks a worker runs at once
 * @param idle a worker leaves after this long without work; zero for never
 * @param wall a worker leaves after this long in all; zero for never
 * @param maxTasks a worker leaves after this many tasks; zero for no limit
 * @param allow deserialization allow-list patterns for the worker
 * @param config a {@code kapu.yaml} whose resources the worker opens and hosts; null for none
 */
public record WorkerCommand(
    String java,
    List<String> jvmOptions,
    String classpath,
    URI url,
    Path tokenFile,
    Path trustCertificate,
    int slots,
    Duration idle,
    Duration wall,
    long maxTasks,
    List<String> allow,
    Path config) {

  /**
   * The class workers run, from {@code kapu-daemon-host}. Named rather than linked: the worker may
   * start on another machine, from a class path this process does not have.
   */
  public static final String MAIN_CLASS = "dev.kapu.daemon.DaemonCommand";

  /**
   * The JVM flags every Kapu process is started with, before {@link #jvmOptions()}: Arrow needs
   * {@code java.nio} opened on the class path, and with reflection allowed Netty allocates its
   * direct buffers without zeroing them first (streaming a 10M-row result measured 7% faster).
   * Written once, as the root pom's {@code kapu.jvm.flags}, which the build also puts into the
   * tests' JVMs and the distribution's {@code bin/kapu}; here from the resource it is filtered into.
   */
  public static final List<String> JVM_FLAGS = readJvmFlags();

  public WorkerCommand {
    Objects.requireNonNull(java, "java");
    Objects.requireNonNull(classpath, "classpath");
    Objects.requireNonNull(url, "url");
    jvmOptions = List.copyOf(jvmOptions);
    allow = List.copyOf(allow);
  }

  /** This JVM's {@code java} binary. */
  public static String currentJava() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** The full command line of the worker named {@code workerId}. */
  public List<String> argv(String workerId) {
    List<String> c = new ArrayList<>();
    c.add(java);
    c.addAll(JVM_FLAGS);
    c.addAll(jvmOptions);
    if (classpath.startsWith("@")) {
      c.add(classpath);
    } else {
      c.add("-cp");
      c.add(classpath);
    }
    c.add(MAIN_CLASS);
    c.addAll(List.of("--url", url.toString()));
    if (tokenFile != null) {
      c.addAll(List.of("--token-file", tokenFile.toString()));
    }
    if (trustCertificate != null) {
      c.addAll(List.of("--trust-cert", trustCertificate.toString()));
    }
    c.addAll(List.of("--id", workerId, "--slots", Integer.toString(slots),
        "--idle-seconds", seconds(idle), "--wall-seconds", seconds(wall),
        "--max-tasks", Long.toString(maxTasks)));
    for (String pattern : allow) {
      c.addAll(List.of("--allow", pattern));
    }
    if (config != null) {
      c.addAll(List.of("--config", config.toString()));
    }
    return c;
  }

  /**
   * Writes this JVM's class path into a Java argument file and returns it as a {@code classpath}
   * value ({@code @FILE}): a command line of many kilobytes is shown by every {@code ps} and has
   * crashed native libraries that read it at start-up.
   */
  public static String classpathArgumentFile(Path file) {
    String escaped = System.getProperty("java.class.path").replace("\\", "\\\\").replace("\"", "\\\"");
    try {
      Files.writeString(file, "-cp \"" + escaped + "\"\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return "@" + file;
  }

  /** {@link #argv} as one line for a POSIX shell, every word quoted. */
  public String shellCommand(String workerId) {
    return Shell.join(argv(workerId));
  }

  /**
   * {@link #argv} as one line for a POSIX shell, with the worker's name given by a shell
   * expression (for example {@code "${IDS[$SLURM_ARRAY_TASK_ID]}"}) rather than a literal.
   */
  public String shellCommandWithIdExpression(String idExpression) {
    String marker = "\u0000kapu-worker-id\u0000";
    List<String> words = new ArrayList<>();
    for (String word : argv(marker)) {
      words.add(word.equals(marker) ? idExpression : Shell.quote(word));
    }
    return String.join(" ", words);
  }

  /** Reads the token, for launchers that must carry it to a machine that cannot see the file. */
  public String readToken() {
    if (tokenFile == null) {
      String token = System.getenv("KAPU_TOKEN");
      if (token == null) {
        throw new IllegalStateException("no token file and no KAPU_TOKEN");
      }
      return token;
    }
    try {
      return Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the token file " + tokenFile, e);
    }
  }

  public WorkerCommand withJava(String java) {
    return new WorkerCommand(java, jvmOptions, classpath, url, tokenFile, trustCertificate, slots,
        idle, wall, maxTasks, allow, config);
  }

  public WorkerCommand withClasspath(String classpath) {
    return new WorkerCommand(java, jvmOptions, classpath, url, tokenFile, trustCertificate, slots,
        idle, wall, maxTasks, allow, config);
  }

  public WorkerCommand withUrl(URI url) {
    return new WorkerCommand(java, jvmOptions, classpath, url, tokenFile, trustCertificate, slots,
        idle, wall, maxTasks, allow, config);
  }

  /** Null makes the worker read {@code KAPU_TOKEN}. */
  public WorkerCommand withTokenFile(Path tokenFile) {
    return new WorkerCommand(java, jvmOptions, classpath, url, tokenFile, trustCertificate, slots,
        idle, wall, maxTasks, allow, config);
  }

  public WorkerCommand withTrustCertificate(Path trustCertificate) {
    return new WorkerCommand(java, jvmOptions, classpath, url, tokenFile, trustCertificate, slots,
        idle, wall, maxTasks, allow, config);
  }

  /** A config file on the worker's machine (null: none). */
  public WorkerCommand withConfig(Path config) {
    return new WorkerCommand(java, jvmOptions, classpath, url, tokenFile, trustCertificate, slots,
        idle, wall, maxTasks, allow, config);
  }

  /** The flags of {@code jvm.flags} beside this class, separated by white space. */
  private static List<String> readJvmFlags() {
    try (InputStream in = WorkerCommand.class.getResourceAsStream("jvm.flags")) {
      if (in == null) {
        throw new IllegalStateException("jvm.flags is missing beside " + WorkerCommand.class.getName());
      }
      String flags = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
      return flags.isEmpty() ? List.of() : List.of(flags.split("\\s+"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read jvm.flags", e);
    }
  }

  private static String seconds(Duration d) {
    return Double.toString(d.toMillis() / 1000.0);
  }
}
