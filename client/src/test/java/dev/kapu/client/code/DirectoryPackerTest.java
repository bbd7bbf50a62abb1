package dev.kapu.client.code;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.flight.CodeHashes;
import dev.kapu.flight.DirectoryPacker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryPackerTest {
  @TempDir
  Path dir;

  @Test
  void equalContentPacksToEqualBytesWhateverTheOrderOfWritingAndTheTimes() throws IOException {
    Path a = dir.resolve("a");
    write(a, "acme/shop/Pricing.class", "one");
    write(a, "acme/shop/Quote.class", "two");
    write(a, "app.properties", "three");
    Path b = dir.resolve("b");
    write(b, "app.properties", "three");
    write(b, "acme/shop/Quote.class", "two");
    write(b, "acme/shop/Pricing.class", "one");
    Files.setLastModifiedTime(b.resolve("acme/shop/Quote.class"), FileTime.from(Instant.parse("2001-02-03T04:05:06Z")));

    assertThat(CodeHashes.of(pack(a))).isEqualTo(CodeHashes.of(pack(b)));
  }

  @Test
  void aChangedByteChangesTheHash() throws IOException {
    Path a = dir.resolve("a");
    write(a, "acme/shop/Pricing.class", "v1");
    String before = CodeHashes.of(pack(a));
    write(a, "acme/shop/Pricing.class", "v2");
    assertThat(CodeHashes.of(pack(a))).isNotEqualTo(before);
  }

  @Test
  void thePackedJarIsIndexedByPackageAndServiceFile() throws IOException {
    Path a = dir.resolve("a");
    write(a, "acme/shop/Pricing.class", "x");
    write(a, "Root.class", "x");
    write(a, "META-INF/MANIFEST.MF", "x");
    write(a, "META-INF/services/dev.kapu.serial.Codec", "acme.shop.Codec");
    Path jar = dir.resolve("a.jar");
    Files.write(jar, pack(a));
    assertThat(EntryIndex.of(jar)).containsExactly("", "META-INF/services/dev.kapu.serial.Codec", "acme/shop");
    assertThat(EntryIndex.onlyKapu(List.of("dev/kapu/api", "META-INF/services/x"))).isTrue();
    assertThat(EntryIndex.onlyKapu(List.of("dev/kapu/api", "acme/shop"))).isFalse();
    assertThat(EntryIndex.onlyKapu(List.of("dev/kapu/slim"))).isFalse();
  }

  private static byte[] pack(Path dir) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DirectoryPacker.pack(dir, out);
    return out.toByteArray();
  }

  private static void write(Path root, String name, String content) throws IOException {
    Path file = root.resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }
}
