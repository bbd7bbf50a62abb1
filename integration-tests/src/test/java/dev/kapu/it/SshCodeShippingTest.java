package dev.kapu.it;

import static dev.kapu.it.OutsideApplications.classPathEntry;
import static dev.kapu.it.OutsideApplications.compileShop;
import static dev.kapu.it.OutsideApplications.javaCommand;
import static dev.kapu.it.OutsideApplications.packedHash;
import static dev.kapu.it.OutsideApplications.slimClassPath;
import static dev.kapu.it.OutsideApplications.unpackDistribution;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.it.OutsideApplications.App;
import dev.kapu.it.OutsideApplications.Ended;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Code shipping through the SSH launcher (issue #14): an application in package {@code acme.shop},
 * compiled against kapu-client alone and run in a JVM of its own, starts a controller whose workers
 * log in over SSH ({@link SshLogin}) to a "host" directory that holds Kapu's unpacked distribution
 * and a home, and nothing of the application. The workers run from the distribution's {@code lib/}
 * alone; the application's lambdas and classes travel with the session, into the code cache of that
 * host ({@code ~/.cache/kapu/code} under the host's home, the workers' {@code user.home}).
 *
 * <p>Two runs of the application, each with a controller (a dispatcher) and an SSH worker of its
 * own: both get their answers, with the application's classes loaded in a session's loader on the
 * worker, and the host's cache fetched the application's class directory once, in the first run
 * (the second found it there, the same file); no entry is fetched twice.
 */
class SshCodeShippingTest {
  private static final Pattern FETCHED = Pattern.compile("fetched shipped code ([0-9a-f]{64}) ");
  private static SshLogin login;

  @TempDir Path dir;

  @BeforeAll
  static void authorizeATestKey() throws Exception {
    login = SshLogin.authorize();
  }

  @AfterAll
  static void removeTheTestKey() throws IOException {
    if (login != null) {
      login.revoke();
    }
  }

  @Test
  void workersStartedOverSshFromTheDistributionAloneRunTheApplicationFetchingItsCodeOncePerHost() throws Exception {
    List<String> clientClassPath = new ArrayList<>(slimClassPath());
    clientClassPath.add(classPathEntry("commons-collections-3.2.1.jar").toString()); // a library of the application
    Path app = compileShop(dir, "v1", clientClassPath);
    List<String> appClassPath = new ArrayList<>(clientClassPath);
    appClassPath.add(app.toString());

    Path host = dir.resolve("host");
    Path kapuHome = unpackDistribution(host.resolve("opt"));
    Path home = Files.createDirectories(host.resolve("home"));
    Path cache = home.resolve(".cache/kapu/code");
    Path controllers = Files.createDirectories(dir.resolve("controllers"));
    String workerClassPath = workerClassPath(kapuHome);

    String first = runApplication(appClassPath, workerClassPath, home, controllers, "first run");
    assertRanOnTheHost(first, kapuHome);
    Path entry = cache.resolve(packedHash(app));
    assertThat(entry).as("the application's classes, in the host's code cache; the workers' logs:\n%s",
        workerLogs(controllers)).isRegularFile();
    BasicFileAttributes fetched = Files.readAttributes(entry, BasicFileAttributes.class);

    String second = runApplication(appClassPath, workerClassPath, home, controllers, "second run");
    assertRanOnTheHost(second, kapuHome);
    BasicFileAttributes after = Files.readAttributes(entry, BasicFileAttributes.class);
    assertThat(after.fileKey()).as("the cached entry is the file the first run fetched").isEqualTo(fetched.fileKey());
    assertThat(after.lastModifiedTime()).isEqualTo(fetched.lastModifiedTime());

    String logs = workerLogs(controllers);
    long fetches = logs.lines().filter(l -> l.contains("fetched shipped code " + entry.getFileName())).count();
    System.out.printf("the host's code cache over two runs: %d fetch(es) of the application's classes, %d entries"
        + " fetched in all; the workers' logs:%n%s%n", fetches,
        logs.lines().filter(l -> l.contains("fetched shipped code ")).count(), logs);
    assertThat(fetches).as("fetches of the application's classes into the host's cache, over two runs").isEqualTo(1);
    Map<String, Long> fetchesByEntry = logs.lines().map(FETCHED::matcher).filter(Matcher::find)
        .collect(Collectors.groupingBy(m -> m.group(1), Collectors.counting()));
    assertThat(fetchesByEntry).as("fetches per entry (jar, class directory, manifest) over two runs")
        .isNotEmpty().allSatisfy((hash, n) -> assertThat(n).as(hash).isEqualTo(1));
  }

  private static void assertRanOnTheHost(String printed, Path kapuHome) {
    assertThat(printed.lines()).contains("lambda: 42", "class: Quote[version=v1, total=42]", "captured: 100v1",
        "worker ssh: true");
    String workerClassPath = printed.lines().filter(l -> l.startsWith("worker class path: ")).findFirst()
        .orElseThrow().substring("worker class path: ".length());
    assertThat(workerClassPath.split(File.pathSeparator)).as("the worker's class path: the distribution's only")
        .allMatch(e -> Path.of(e).startsWith(kapuHome));
    assertThat(printed.lines()).anyMatch(l -> l.startsWith("quote's loader: kapu-session-"));
  }

  /** The distribution's class path, as its bin/kapu has it: SLF4J 2's API first, then lib/*. */
  private static String workerClassPath(Path kapuHome) throws IOException {
    try (Stream<Path> jars = Files.list(kapuHome.resolve("lib"))) {
      Path slf4j = jars.filter(j -> j.getFileName().toString().matches("slf4j-api-2.*\\.jar")).findFirst()
          .orElseThrow(() -> new AssertionError("no slf4j-api 2 in " + kapuHome.resolve("lib")));
      return slf4j + File.pathSeparator + kapuHome.resolve("lib") + File.separator + "*";
    }
  }

  private String runApplication(List<String> classPath, String workerClassPath, Path home, Path controllers,
      String what) throws Exception {
    List<String> command = new ArrayList<>(List.of(javaCommand(), "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "-cp", String.join(File.pathSeparator, classPath), "acme.shop.ShopMain", "-", "ssh",
        login.destination(), login.identity().toString(), login.knownHosts().toString(), workerClassPath,
        controllers.toString()));
    command.addAll(Arrays.asList(ControllerTesting.SMALL_WORKER));
    // the host's home, whose ~/.cache/kapu/code is its code cache; and the cache's log lines
    command.addAll(List.of("-Duser.home=" + home, "-Dorg.slf4j.simpleLogger.defaultLogLevel=info"));
    Ended ended = App.start(command, Files.createTempFile(dir, "app-", ".out"), Map.of()).awaitEnd(300, what);
    assertThat(ended.exited()).as("%s exits; the workers' logs:\n%s", what, workerLogs(controllers)).isTrue();
    assertThat(ended.exitValue()).as("%s's exit code, having printed:\n%s\nthe workers' logs:\n%s", what,
        ended.printed(), workerLogs(controllers)).isZero();
    return ended.printed();
  }

  /** Every worker log the controllers kept, each under its file name. */
  private static String workerLogs(Path controllers) throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(controllers)) {
      for (Path log : files.filter(f -> f.getFileName().toString().matches("worker-.*\\.log")).sorted().toList()) {
        all.append("== ").append(controllers.relativize(log)).append('\n')
            .append(Files.readString(log, StandardCharsets.UTF_8));
      }
    }
    return all.toString();
  }
}
