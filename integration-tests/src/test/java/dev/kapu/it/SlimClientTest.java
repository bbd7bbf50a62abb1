package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application that depends on kapu-client alone: its runtime class path (written by client's
 * build) holds no database driver and no daemon runtime, and a JVM on nothing else connects to
 * {@code kapu serve}, runs tasks and SQL there, and is told what {@code Kapu.local} needs.
 *
 * <p>The application is compiled here against that class path only, so that it cannot lean on this
 * module's classes. Its task classes go on the server's class path too; the lambda of its main
 * class does not, and travels with the session's shipped code.
 */
class SlimClientTest {
  /** What a client must not drag in: drivers, pools, the cache peer and the daemon runtime. */
  private static final List<String> HEAVY = List.of(
      "duckdb", "postgresql", "hikaricp", "/adbc", "avatica", "hazelcast", "daemon-host");
  private static final String PASSWORD = "slim-s3cret";

  @TempDir
  Path dir;

  @Test
  void anApplicationOnKapuClientAloneConnectsRunsTasksAndSqlAndIsToldWhatLocalDaemonsNeed() throws Exception {
    List<String> slim = slimClassPath();
    System.out.println("kapu-client's runtime class path: " + slim.size() + " entries");
    assertThat(slim).as("kapu-client's runtime class path")
        .noneMatch(entry -> HEAVY.stream().anyMatch(entry.toLowerCase(Locale.ROOT)::contains))
        .anyMatch(entry -> entry.contains("flight-core"));

    Path tasks = compile("SlimTasks.java", dir.resolve("tasks"), slim);
    List<String> withTasks = new ArrayList<>(slim);
    withTasks.add(tasks.toString());
    Path application = compile("SlimClientMain.java", dir.resolve("application"), withTasks);

    ServeProcess serve = ServeProcess.run(new ProcessBuilder(
        javaCommand(),
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path") + File.pathSeparator + tasks,
        "dev.kapu.client.cli.KapuCli", "serve", "--port", "0", "--daemons", "1", "--password", PASSWORD));
    try {
      // the Kapu token, as its daemons read it (kapu serve prints SQL credentials, not this)
      String token = Files.readString(serve.sessionFolder().resolve("token"), StandardCharsets.UTF_8).strip();
      List<String> classPath = new ArrayList<>(withTasks);
      classPath.add(application.toString());
      Path printed = dir.resolve("application.out");
      Process client = new ProcessBuilder(
          javaCommand(),
          "--add-opens=java.base/java.nio=ALL-UNNAMED",
          "-cp", String.join(File.pathSeparator, classPath),
          "dev.kapu.slim.SlimClientMain", serve.printed.get("flight_url"), token, PASSWORD)
          .redirectErrorStream(true)
          .redirectOutput(printed.toFile())
          .start();
      boolean exited = client.waitFor(180, TimeUnit.SECONDS);
      if (!exited) {
        client.destroyForcibly();
      }
      String output = Files.readString(printed, StandardCharsets.UTF_8);
      System.out.println("the application printed:\n" + output);
      assertThat(exited).as("the application exits").isTrue();
      assertThat(client.exitValue()).as("its exit code, having printed:\n%s", output).isZero();
      assertThat(output.lines()).contains(
          "submit: 42",
          "map: [1, 4, 9, 16]",
          "query: i\tsq",
          "query: 1\t1",
          "query: 2\t4",
          "query: 3\t9",
          "remote sql: via\tanswer",
          "remote sql: flight sql\t42",
          "local: Kapu.local(n) runs Kapu daemons from this class path, and none is on it: add the dependency"
              + " dev.kapu:kapu-daemon-host (Kapu.connect(url) needs none)");
      // its own lambda, whose class the server's daemons lack: shipped with the session (issue #14)
      assertThat(output.lines()).contains("shipped: 4");
    } finally {
      serve.stop();
    }
  }

  /** kapu-client's jar and its runtime dependencies, as its build wrote them. */
  private static List<String> slimClassPath() throws IOException {
    List<String> entries = new ArrayList<>();
    entries.add(Path.of(System.getProperty("kapu.client.jar")).toString());
    String dependencies = Files.readString(Path.of(System.getProperty("kapu.client.classpath")), StandardCharsets.UTF_8);
    Arrays.stream(dependencies.strip().split(File.pathSeparator)).forEach(entries::add);
    entries.forEach(entry -> assertThat(Path.of(entry)).as("a class path entry").exists());
    return entries;
  }

  /** Compiles one source of this test's resources into {@code into}, against {@code classPath} only. */
  private Path compile(String source, Path into, List<String> classPath) throws IOException {
    Path file = dir.resolve(source);
    try (InputStream in = SlimClientTest.class.getResourceAsStream("/slimclient/" + source)) {
      Files.copy(in, file);
    }
    Files.createDirectories(into);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int status = javac.run(null, diagnostics, diagnostics, "--release", "17", "-d", into.toString(),
        "-cp", String.join(File.pathSeparator, classPath), file.toString());
    assertThat(status).as("javac %s:\n%s", source, diagnostics.toString(StandardCharsets.UTF_8)).isZero();
    return into;
  }

  private static String javaCommand() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
