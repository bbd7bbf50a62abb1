package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user gets it: {@code kapu-VERSION.tar.gz}, built by this reactor's
 * {@code package} phase in {@code client/cli}, unpacked with {@code tar} into an empty directory
 * outside the checkout and run from there with nothing but this JDK. {@code bin/kapu serve} answers
 * the official Flight SQL JDBC driver and {@code bin/kapu query}; its daemons run from the
 * unpacked {@code lib/}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DistributionTest {
  private static final String PASSWORD = "distribution-" + UUID.randomUUID();

  @Test
  void unpackedOutsideTheCheckoutItServesTheJdbcDriverAndKapuQuery(@TempDir Path temp) throws Exception {
    Path tarball = Path.of(System.getProperty("kapu.tarball"));
    assertThat(tarball).as("the distribution (./mvnw package builds it in client/cli/target)").isRegularFile();
    Path unpacked = Files.createDirectory(temp.resolve("unpacked"));
    assertThat(run(unpacked, List.of("tar", "-xzf", tarball.toString()), Map.of()).exit).isZero();

    String name = tarball.getFileName().toString().replace(".tar.gz", "");
    assertThat(list(unpacked)).containsExactly(name);
    Path home = unpacked.resolve(name);
    assertThat(list(home)).containsExactlyInAnyOrder("bin", "lib");
    List<String> jars = list(home.resolve("lib"));
    System.out.printf("%s: %d bytes, lib/ holds %d jars%n", tarball.getFileName(), Files.size(tarball), jars.size());
    assertThat(jars).contains(
        "kapu-cli-" + version(name) + ".jar", "kapu-daemon-host-" + version(name) + ".jar", "kapu-client-" + version(name) + ".jar");
    assertThat(jars).as("no benchmarks, their peers or test jars")
        .noneMatch(jar -> jar.startsWith("hazelcast") || jar.startsWith("kapu-integration-tests")
            || jar.endsWith("-tests.jar") || jar.startsWith("junit") || jar.startsWith("assertj"));
    Path kapu = home.resolve("bin/kapu");
    assertThat(Files.isExecutable(kapu)).as("bin/kapu is executable").isTrue();

    Path work = Files.createDirectory(temp.resolve("work"));
    Run daemonHelp = run(work, List.of(kapu.toString(), "daemon", "--help"), Map.of());
    assertThat(daemonHelp.exit).as(daemonHelp.stderr).isZero();
    assertThat(daemonHelp.stdout).contains("--url", "--token-file");

    ProcessBuilder serveCommand = new ProcessBuilder(kapu.toString(), "serve", "--port", "0", "--daemons", "1")
        .directory(work.toFile());
    environment(serveCommand, Map.of("KAPU_PASSWORD", PASSWORD));
    ServeProcess serve = ServeProcess.run(serveCommand);
    try {
      assertThat(serve.daemons).hasSize(1);
      assertDaemonRunsFrom(serve.daemons.get(0), home.resolve("lib"));

      try (Connection jdbc = DriverManager.getConnection(serve.jdbcUrl());
           Statement s = jdbc.createStatement()) {
        s.executeUpdate("CREATE TABLE shipped AS SELECT range AS n, range * range AS square FROM range(5)");
        try (ResultSet rs = s.executeQuery("SELECT n, square FROM shipped ORDER BY n")) {
          List<String> rows = new ArrayList<>();
          while (rs.next()) {
            rows.add(rs.getLong(1) + "," + rs.getLong(2));
          }
          assertThat(rows).containsExactly("0,0", "1,1", "2,4", "3,9", "4,16");
        }
      }

      Run query = run(work, List.of(kapu.toString(), "query", "--url", serve.printed.get("flight_url"),
          "--format", "csv", "SELECT n, square FROM shipped WHERE n >= 3 ORDER BY n"), Map.of("KAPU_PASSWORD", PASSWORD));
      assertThat(query.exit).as(query.stderr).isZero();
      assertThat(query.stdout.lines().toList()).containsExactly("n,square", "3,9", "4,16");
    } finally {
      serve.stop();
    }
  }

  /** The daemon's class path (the argument file it was started with) is the unpacked lib/, not the checkout. */
  private static void assertDaemonRunsFrom(ProcessHandle daemon, Path lib) throws Exception {
    List<String> args = List.of(daemon.info().arguments().orElseThrow());
    String argumentFile = args.stream().filter(a -> a.startsWith("@")).findFirst().orElseThrow();
    String classpath = Files.readString(Path.of(argumentFile.substring(1)), StandardCharsets.UTF_8);
    assertThat(classpath).contains(lib.resolve("kapu-daemon-host-").toString())
        .doesNotContain(Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent().toString() + "/");
  }

  record Run(int exit, String stdout, String stderr) {}

  private static Run run(Path directory, List<String> command, Map<String, String> extraEnvironment) throws Exception {
    Path out = Files.createTempFile(directory.getParent(), "stdout", ".txt");
    Path err = Files.createTempFile(directory.getParent(), "stderr", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    environment(builder, extraEnvironment);
    Process process = builder.start();
    process.getOutputStream().close();
    assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("%s ends", command).isTrue();
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** A user's environment: this JDK as JAVA_HOME, none of Kapu's or Java's settings from the build. */
  private static void environment(ProcessBuilder builder, Map<String, String> extra) {
    Map<String, String> env = builder.environment();
    Stream.of("CLASSPATH", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "KAPU_JAVA_OPTS", "KAPU_PASSWORD", "MAVEN_OPTS")
        .forEach(env::remove);
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.putAll(extra);
  }

  private static List<String> list(Path directory) throws Exception {
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** "kapu-0.1.0-SNAPSHOT" to "0.1.0-SNAPSHOT". */
  private static String version(String name) {
    return name.substring("kapu-".length());
  }
}
