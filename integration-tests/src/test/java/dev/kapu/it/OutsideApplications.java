package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.flight.CodeHashes;
import dev.kapu.flight.DirectoryPacker;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * What the tests of an application outside {@code dev.kapu} share: kapu-client's class path as
 * its build wrote it, javac against that alone, the unpacked distribution, a user's environment
 * and the hash a class directory ships under.
 */
final class OutsideApplications {
  private OutsideApplications() {}

  /** kapu-client's jar and its runtime dependencies, as its build wrote them. */
  static List<String> slimClassPath() throws IOException {
    List<String> entries = new ArrayList<>();
    entries.add(Path.of(System.getProperty("kapu.client.jar")).toString());
    String dependencies = Files.readString(Path.of(System.getProperty("kapu.client.classpath")), StandardCharsets.UTF_8);
    Arrays.stream(dependencies.strip().split(File.pathSeparator)).forEach(entries::add);
    return entries;
  }

  /**
   * This module's test class path without this module's own classes: kapu-client, the daemon
   * runtime (kapu-daemon-host) and their dependencies, what {@code Kapu.local} needs.
   */
  static List<String> classPathWithDaemonRuntime() {
    Path module = Path.of("").toAbsolutePath().resolve("target");
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !Path.of(entry).toAbsolutePath().startsWith(module))
        .toList();
  }

  /** Compiles {@code sources} into {@code into} with javac for Java 17, against {@code classPath} only. */
  static Path compile(List<Path> sources, Path into, List<String> classPath) throws IOException {
    Files.createDirectories(into);
    List<String> args = new ArrayList<>(List.of("--release", "17", "-d", into.toString(),
        "-cp", String.join(File.pathSeparator, classPath)));
    sources.forEach(f -> args.add(f.toString()));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int status = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
    assertThat(status).as("javac %s:\n%s", sources, diagnostics.toString(StandardCharsets.UTF_8)).isZero();
    return into;
  }

  /**
   * Compiles the shop application of {@code CodeShippingTest}'s resources (package {@code
   * acme.shop}), with its {@code Pricing} in {@code version}, into {@code dir/app-VERSION}. The
   * class path must hold commons-collections 3.2.1, whose gadget chain the application builds.
   */
  static Path compileShop(Path dir, String version, List<String> classPath) throws IOException {
    Path sources = Files.createDirectories(dir.resolve("src-" + version + "/acme/shop"));
    for (String name : List.of("PriceTask.java", "Quote.java", "ShopMain.java")) {
      copyResource("/codeshipping/" + name, sources.resolve(name));
    }
    copyResource("/codeshipping/Pricing." + version, sources.resolve("Pricing.java"));
    try (Stream<Path> files = Files.list(sources)) {
      return compile(files.toList(), dir.resolve("app-" + version), classPath);
    }
  }

  private static void copyResource(String name, Path to) throws IOException {
    try (InputStream in = OutsideApplications.class.getResourceAsStream(name)) {
      Files.copy(in, to);
    }
  }

  /** Unpacks the distribution's tarball into {@code into} and returns its home (bin/, lib/). */
  static Path unpackDistribution(Path into) throws Exception {
    Path tarball = Path.of(System.getProperty("kapu.tarball"));
    Files.createDirectories(into);
    Process tar = new ProcessBuilder("tar", "-xzf", tarball.toString()).directory(into.toFile()).inheritIO().start();
    assertThat(tar.waitFor(120, TimeUnit.SECONDS) && tar.exitValue() == 0).as("tar -xzf %s", tarball).isTrue();
    return into.resolve(tarball.getFileName().toString().replace(".tar.gz", ""));
  }

  /** A user's environment: this JDK, none of the build's Java settings. */
  static void userEnvironment(ProcessBuilder pb) {
    Stream.of("CLASSPATH", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "KAPU_JAVA_OPTS", "MAVEN_OPTS")
        .forEach(pb.environment()::remove);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
  }

  /** An application started in a JVM of its own; what it prints (stdout and stderr) goes to {@code out}. */
  record App(Process process, Path out) {

    /** Starts {@code command} in a user's plain environment plus {@code env}. */
    static App start(List<String> command, Path out, Map<String, String> env) throws IOException {
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
      userEnvironment(pb);
      pb.environment().putAll(env);
      return new App(pb.start(), out);
    }

    /**
     * Waits for it to end, at most {@code limitSeconds} (a guard against a hang, not a measure: one still
     * running then is killed), and prints what it printed under {@code what}.
     */
    Ended awaitEnd(long limitSeconds, String what) throws Exception {
      boolean exited = process.waitFor(limitSeconds, TimeUnit.SECONDS);
      if (!exited) {
        process.destroyForcibly().waitFor();
      }
      String printed = Files.readString(out, StandardCharsets.UTF_8);
      System.out.println(what + " printed:\n" + printed);
      return new Ended(exited, process.exitValue(), printed);
    }
  }

  /** How an application ended: whether it exited within the limit, its exit code, what it printed. */
  record Ended(boolean exited, int exitValue, String printed) {}

  /** The hash a class directory ships under: packed as the client packs it. */
  static String packedHash(Path classes) throws IOException {
    ByteArrayOutputStream packed = new ByteArrayOutputStream();
    DirectoryPacker.pack(classes, packed);
    return CodeHashes.of(packed.toByteArray());
  }

  /** The entry of this module's test class path whose file is named {@code fileName}. */
  static Path classPathEntry(String fileName) {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(Path::of).filter(p -> p.getFileName().toString().equals(fileName)).findFirst()
        .orElseThrow(() -> new AssertionError(fileName + " is not on the test class path"));
  }

  static String javaCommand() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
