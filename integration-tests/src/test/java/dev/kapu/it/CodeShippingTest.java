package dev.kapu.it;

import static dev.kapu.it.OutsideApplications.classPathEntry;
import static dev.kapu.it.OutsideApplications.compileShop;
import static dev.kapu.it.OutsideApplications.javaCommand;
import static dev.kapu.it.OutsideApplications.packedHash;
import static dev.kapu.it.OutsideApplications.slimClassPath;
import static dev.kapu.it.OutsideApplications.unpackDistribution;
import static dev.kapu.it.OutsideApplications.userEnvironment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.flight.CodeHashes;
import dev.kapu.it.OutsideApplications.App;
import dev.kapu.it.OutsideApplications.Ended;
import dev.kapu.flight.KapuServer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Code shipping (issue #14), with real processes: a dispatcher; one {@code kapu daemon} started
 * from the unpacked distribution, so its class path holds Kapu and nothing of the application
 * (plus, with {@code --classpath}, commons-collections 3.2.1, a library with a known gadget
 * chain); and an application in package {@code acme.shop}, compiled here against kapu-client
 * alone, run in JVMs of its own. The application never calls {@code allow}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CodeShippingTest {
  private Path dir;
  private KapuServer server;
  private Process daemon;
  private Path daemonLog;
  private Path cache;
  private Path appV1;
  private Path appV2;
  private List<String> clientClassPath;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("kapu-codeshipping-");
    Path commonsCollections = classPathEntry("commons-collections-3.2.1.jar");
    clientClassPath = new ArrayList<>(slimClassPath());
    clientClassPath.add(commonsCollections.toString());
    appV1 = compileShop(dir, "v1", clientClassPath);
    appV2 = compileShop(dir, "v2", clientClassPath);

    server = KapuServer.builder().port(0).codeDirectory(dir.resolve("dispatcher-code")).build();
    Path home = unpackDistribution(dir.resolve("dist"));
    cache = dir.resolve("daemon-cache");
    daemonLog = dir.resolve("daemon.log");
    ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/kapu").toString(), "daemon",
        "--url", server.endpoint().url().toString(), "--id", "lib-only", "--slots", "2",
        "--code-cache", cache.toString(), "--classpath", commonsCollections.toString())
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(daemonLog.toFile());
    userEnvironment(pb);
    pb.environment().put("KAPU_TOKEN", server.endpoint().token());
    pb.environment().put("KAPU_LOG_LEVEL", "info"); // it logs each fetch, load and release
    daemon = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (server.gateway().status().get().daemons().isEmpty()) {
      assertThat(daemon.isAlive()).as("the daemon runs; its log:\n%s", log()).isTrue();
      assertThat(System.nanoTime()).as("the daemon connects within 120 s").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (daemon != null) {
      daemon.destroy();
      daemon.waitFor(10, TimeUnit.SECONDS);
      daemon.destroyForcibly();
    }
    if (server != null) {
      server.close();
    }
    System.out.println("the daemon's log:\n" + log());
  }

  @Test
  @Order(1)
  void anApplicationOutsideKapuRunsItsLambdasAndClassesOnADaemonThatHasOnlyKapu() throws Exception {
    String out = runApplication(appV1, "run");
    assertThat(out.lines()).contains("lambda: 42", "class: Quote[version=v1, total=42]", "captured: 100v1");
    // the daemon fetched what it lacked, the application's classes, and nothing it had (Kapu's dependencies)
    assertThat(cached()).contains(packedHash(appV1)).hasSize(2); // the session's manifest and its classes
  }

  @Test
  @Order(2)
  void twoSessionsWithTwoVersionsOfAClassShareTheDaemonEachSeeingItsOwn() throws Exception {
    Path barrier = Files.createDirectories(dir.resolve("barrier"));
    App v1 = startApplication(appV1, "versions", barrier.toString());
    App v2 = startApplication(appV2, "versions", barrier.toString());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    // both sessions have run a task (both loaders are live on the daemon) before either goes on
    while (!Files.exists(barrier.resolve("v1.connected")) || !Files.exists(barrier.resolve("v2.connected"))) {
      assertThat(System.nanoTime()).as("both applications connect").isLessThan(deadline);
      Thread.sleep(50);
    }
    Files.writeString(barrier.resolve("go"), "go");
    String out1 = finish(v1, "v1 versions");
    String out2 = finish(v2, "v2 versions");
    assertThat(out1.lines()).contains("versions: " + String.join(",", java.util.Collections.nCopies(20, "v1")));
    assertThat(out2.lines()).contains("versions: " + String.join(",", java.util.Collections.nCopies(20, "v2")));
  }

  @Test
  @Order(3)
  void aSecondSessionWithTheSameJarDoesNotShipItAgain() throws Exception {
    Set<String> before = cached();
    Path classes = cache.resolve(packedHash(appV1));
    var modified = Files.getLastModifiedTime(classes);
    int received = server.codeStore().received();
    String out = runApplication(appV1, "run");
    assertThat(out.lines()).contains("lambda: 42", "class: Quote[version=v1, total=42]");
    Set<String> added = new TreeSet<>(cached());
    added.removeAll(before);
    System.out.printf("a second session of the same application: the dispatcher received %d blob(s), the daemon"
        + " fetched %s%n", server.codeStore().received() - received, added);
    assertThat(server.codeStore().received() - received).as("blobs uploaded by the second session: its manifest")
        .isEqualTo(1);
    assertThat(added).as("entries the daemon fetched for the second session: its manifest").hasSize(1);
    assertThat(Files.getLastModifiedTime(classes)).as("the cached classes, untouched").isEqualTo(modified);
  }

  @Test
  @Order(4)
  void withShippingOffAMissingClassSaysWhatToDo() throws Exception {
    String out = runApplication(appV1, "noship");
    assertThat(out).contains("error: class acme.shop.PriceTask is not on this side's class path")
        .contains("shipped no code").contains("--classpath");
  }

  @Test
  @Order(5)
  void aGadgetChainIsRefusedByTheDaemonAndByTheClientAndTheDaemonServesOn() throws Exception {
    String task = runApplication(appV1, "gadget-task");
    assertThat(task).contains("error: ").contains("known deserialization exploit chain")
        .contains("org.apache.commons.collections.functors.").contains("after: 42");
    String result = runApplication(appV1, "gadget-result");
    assertThat(result).contains("error: refused to deserialize a org.apache.commons.collections.functors.InvokerTransformer")
        .contains("after: 42");
    assertThat(daemon.isAlive()).isTrue();
  }

  @Test
  @Order(6)
  void localSessionsAndControllersNeedNoAllowEither() throws Exception {
    // Kapu.local needs the daemon runtime: the application runs on this module's class path.
    String out = finish(startApplicationOn(System.getProperty("java.class.path"), appV1, "local"), "app-v1 local");
    assertThat(out.lines()).contains("local lambda: 42", "local class: Quote[version=v1, total=42]",
        "local map: [Quote[version=m, total=1], Quote[version=m, total=2]]",
        "controller: price-0=Quote[version=v1, total=2] price-1=Quote[version=v1, total=4]");
  }

  @Test
  @Order(7)
  void aSessionsLoaderIsReleasedWhenItEnds() throws Exception {
    // every application above has closed its session; the daemon said so for each
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (count(log(), "released kapu-session-") < count(log(), "loading a session's code")) {
      assertThat(System.nanoTime()).as("the daemon releases every ended session's loader; its log:\n%s", log())
          .isLessThan(deadline);
      Thread.sleep(50);
    }
    assertThat(count(log(), "loading a session's code")).isGreaterThanOrEqualTo(5);
  }

  @Test
  @Order(8)
  void aNeverBlockingTaskRunsOnTheNetworkThreadOnceItsCodeIsHereAndOneThatBlocksEndsThat() throws Exception {
    String out = runApplication(appV1, "never-blocks");
    // the first waits for the session's code on a task thread; the daemon fetches the rest meanwhile
    assertThat(line(out, "first never-blocking task on: ")).startsWith("kapu-task");
    String network = line(out, "later never-blocking task on: ");
    assertThat(network).doesNotStartWith("kapu-task");
    assertThat(out.lines()).contains("never-blocking class: Quote[version=v1, total=42]");
    // the one that sleeps ran where it was sent, then the daemon stopped running such tasks there
    assertThat(line(out, "never-blocking task that sleeps: ")).isEqualTo(network);
    assertThat(line(out, "never-blocking task after it on: ")).startsWith("kapu-task");
    assertThat(log()).contains("was sent as never blocking (TaskOptions.neverBlocks()) but ran",
        "runs such tasks on its task threads from now on");
    // and it serves on
    assertThat(runApplication(appV1, "run").lines()).contains("lambda: 42");
  }

  private static String line(String out, String prefix) {
    return out.lines().filter(l -> l.startsWith(prefix)).findFirst()
        .map(l -> l.substring(prefix.length())).orElseThrow(() -> new AssertionError("no '" + prefix + "' in:\n" + out));
  }

  private static int count(String text, String what) {
    return (int) text.lines().filter(l -> l.contains(what)).count();
  }

  private String log() {
    try {
      return daemonLog == null || !Files.exists(daemonLog) ? "" : Files.readString(daemonLog, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return e.toString();
    }
  }

  private Set<String> cached() throws IOException {
    try (Stream<Path> files = Files.list(cache)) {
      return new TreeSet<>(files.map(p -> p.getFileName().toString()).filter(CodeHashes::isHash).toList());
    }
  }

  /** An application's process and the file it prints to. */
  private String runApplication(Path app, String mode) throws Exception {
    return finish(startApplication(app, mode), app.getFileName() + " " + mode);
  }

  private App startApplication(Path app, String mode, String... more) throws IOException {
    return startApplicationOn(String.join(File.pathSeparator, clientClassPath), app, mode, more);
  }

  private App startApplicationOn(String baseClassPath, Path app, String mode, String... more) throws IOException {
    List<String> classPath = new ArrayList<>(List.of(baseClassPath));
    classPath.add(app.toString());
    List<String> command = new ArrayList<>(List.of(javaCommand(), "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "-cp", String.join(File.pathSeparator, classPath), "acme.shop.ShopMain", server.endpoint().url().toString(), mode));
    command.addAll(List.of(more));
    return App.start(command, Files.createTempFile(dir, "app-", ".out"), Map.of("KAPU_TOKEN", server.endpoint().token()));
  }

  private static String finish(App app, String what) throws Exception {
    Ended ended = app.awaitEnd(180, what);
    assertThat(ended.exited()).as("%s exits", what).isTrue();
    assertThat(ended.exitValue()).as("%s's exit code, having printed:\n%s", what, ended.printed()).isZero();
    return ended.printed();
  }
}
