package dev.kapu.flight;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Packs a class directory into a jar that depends on its content alone: files in name order,
 * stored uncompressed (compressed bytes depend on the zlib at hand), one fixed timestamp, no
 * directory entries and no extra fields. Equal content gives equal bytes, and so an equal hash,
 * whenever and wherever it is packed.
 */
public final class DirectoryPacker {
  /** 1980-01-01T00:00 local time, the zip format's first instant: any fixed time would do. */
  private static final long FIXED_TIME = new java.util.GregorianCalendar(1980, 0, 1).getTimeInMillis();

  private DirectoryPacker() {}

  /** Writes {@code dir}'s files as a jar to {@code out}. */
  public static void pack(Path dir, OutputStream out) throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).sorted((a, b) -> name(dir, a).compareTo(name(dir, b))).toList();
    }
    try (ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.setMethod(ZipOutputStream.STORED);
      for (Path f : files) {
        byte[] bytes = Files.readAllBytes(f);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        ZipEntry entry = new ZipEntry(name(dir, f));
        entry.setMethod(ZipEntry.STORED);
        entry.setTime(FIXED_TIME);
        entry.setSize(bytes.length);
        entry.setCompressedSize(bytes.length);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
      }
    }
  }

  /** {@code file}'s name inside the jar: relative to {@code dir}, '/'-separated on every system. */
  static String name(Path dir, Path file) {
    return dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
  }
}
