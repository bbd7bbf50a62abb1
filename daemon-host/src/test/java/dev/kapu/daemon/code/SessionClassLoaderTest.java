package dev.kapu.daemon.code;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.flight.CodeHashes;
import dev.kapu.flight.CodeManifest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader's rule: the daemon's own classes first, Kapu's and the JDK's never from shipped code. */
class SessionClassLoaderTest {
  @TempDir
  Path dir;

  @Test
  void aClassTheDaemonHasComesFromTheDaemonEvenIfTheSessionShipsItToo() throws Exception {
    // The shipped jar holds a (bogus) copy of a class this JVM has: the daemon's wins.
    Path jar = jar(Map.of("org/junit/jupiter/api/Test.class", new byte[] {1, 2, 3}));
    List<String> fetched = new ArrayList<>();
    try (SessionClassLoader loader = loader(jar, fetched)) {
      assertThat(loader.loadClass("org.junit.jupiter.api.Test")).isSameAs(Test.class);
      assertThat(fetched).as("nothing fetched for a class the daemon has").isEmpty();
    }
  }

  @Test
  void kapusAndTheJdksPackagesNeverComeFromShippedCode() throws Exception {
    Path jar = jar(Map.of("dev/kapu/api/Planted.class", new byte[] {1}, "java/lang/Planted.class", new byte[] {1}));
    List<String> fetched = new ArrayList<>();
    try (SessionClassLoader loader = loader(jar, fetched)) {
      assertThatThrownBy(() -> loader.loadClass("dev.kapu.api.Planted")).isInstanceOf(ClassNotFoundException.class);
      assertThatThrownBy(() -> loader.loadClass("java.lang.Planted")).isInstanceOf(ClassNotFoundException.class);
      assertThat(fetched).isEmpty();
    }
    assertThat(SessionClassLoader.shippable("acme.shop.Pricing")).isTrue();
    assertThat(SessionClassLoader.shippable("dev.kapu.api.Task")).isFalse();
    assertThat(SessionClassLoader.shippable("dev.kapu.daemon.code.CodeCache")).isFalse();
    assertThat(SessionClassLoader.shippable("dev.kapu.slim.Application")).as("an application in Kapu's namespace").isTrue();
  }

  @Test
  void anEntryIsFetchedOnlyWhenOneOfItsPackagesIsLookedFor() throws Exception {
    Path jar = jar(Map.of("acme/shop/readme.txt", "hello".getBytes()));
    List<String> fetched = new ArrayList<>();
    try (SessionClassLoader loader = loader(jar, fetched)) {
      assertThat(loader.getResource("other/readme.txt")).isNull();
      assertThat(fetched).isEmpty();
      assertThat(loader.getResource("acme/shop/readme.txt")).isNotNull();
      assertThat(loader.getResource("acme/shop/readme.txt")).isNotNull();
      assertThat(fetched).hasSize(1);
    }
    assertThat(SessionClassLoader.keyOf("META-INF/services/x.Y")).isEqualTo("META-INF/services/x.Y");
    assertThat(SessionClassLoader.keyOf("a/b/C.class")).isEqualTo("a/b");
    assertThat(SessionClassLoader.keyOf("C.class")).isEmpty();
  }

  private SessionClassLoader loader(Path jar, List<String> fetched) throws IOException {
    String hash = CodeHashes.of(jar);
    List<String> packages = new ArrayList<>();
    try (var zip = new java.util.zip.ZipFile(jar.toFile())) {
      zip.stream().forEach(e -> packages.add(SessionClassLoader.keyOf(e.getName())));
    }
    CodeManifest manifest = new CodeManifest("s", List.of(
        new CodeManifest.Entry(hash, Files.size(jar), jar.toString(), packages.stream().distinct().toList())));
    return new SessionClassLoader("test", manifest, h -> {
      fetched.add(h);
      return jar;
    }, getClass().getClassLoader());
  }

  private Path jar(Map<String, byte[]> files) throws IOException {
    Path jar = Files.createTempFile(dir, "shipped", ".jar");
    try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
      for (var e : files.entrySet()) {
        out.putNextEntry(new JarEntry(e.getKey()));
        out.write(e.getValue());
        out.closeEntry();
      }
    }
    return jar;
  }
}
