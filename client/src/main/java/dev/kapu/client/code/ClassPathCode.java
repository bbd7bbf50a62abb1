package dev.kapu.client.code;

import dev.kapu.flight.CodeHashes;
import dev.kapu.flight.DirectoryPacker;
import dev.kapu.flight.CodeManifest;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This JVM's class path as code to ship: each jar as it is, each class directory packed ({@link
 * DirectoryPacker}), each named by its SHA-256 and indexed by what it holds ({@link EntryIndex}).
 * Entries that hold only Kapu's own classes are left out: a daemon takes those from itself. An entry
 * is hashed once per JVM while its size and modification time stay the same.
 */
public final class ClassPathCode {
  /** An entry ready to ship: its blob (the jar, or the packed directory) and its manifest line. */
  public record Shippable(Path blob, CodeManifest.Entry entry) {}

  private record Seen(Path path, long size, FileTime modified) {}

  private static final Map<Seen, Shippable> HASHED = new ConcurrentHashMap<>();
  /** Packed directories by hash: a directory packed again unchanged reuses its first file. */
  private static final Map<String, Path> PACKED = new ConcurrentHashMap<>();

  private ClassPathCode() {}

  /** The entries of {@code java.class.path} worth shipping, in class path order. */
  public static List<Shippable> ofThisJvm() throws IOException {
    List<Path> paths = new ArrayList<>();
    for (String p : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (!p.isBlank()) {
        paths.add(Path.of(p).toAbsolutePath().normalize());
      }
    }
    return of(paths);
  }

  /** {@code paths} (jars and class directories) as shippable entries; missing paths are skipped. */
  public static List<Shippable> of(List<Path> paths) throws IOException {
    Map<String, Shippable> byHash = new LinkedHashMap<>();
    for (Path p : paths) {
      Shippable s = Files.isDirectory(p) ? directory(p) : Files.isRegularFile(p) ? jar(p) : null;
      if (s != null && !s.entry().packages().isEmpty() && !EntryIndex.onlyKapu(s.entry().packages())) {
        byHash.putIfAbsent(s.entry().hash(), s);
      }
    }
    return List.copyOf(byHash.values());
  }

  private static Shippable jar(Path jar) throws IOException {
    Seen seen = new Seen(jar, Files.size(jar), Files.getLastModifiedTime(jar));
    Shippable known = HASHED.get(seen);
    if (known != null) {
      return known;
    }
    Shippable s = new Shippable(jar, new CodeManifest.Entry(CodeHashes.of(jar), seen.size(), jar.toString(),
        EntryIndex.of(jar)));
    HASHED.put(seen, s);
    return s;
  }

  /** A class directory changes as one recompiles: it is packed and hashed each time. */
  private static Shippable directory(Path dir) throws IOException {
    Path packed = Files.createTempFile("kapu-classes-", ".jar");
    packed.toFile().deleteOnExit();
    try (OutputStream out = Files.newOutputStream(packed)) {
      DirectoryPacker.pack(dir, out);
    }
    String hash = CodeHashes.of(packed);
    Path first = PACKED.putIfAbsent(hash, packed);
    if (first != null) {
      Files.delete(packed);
      packed = first;
    }
    return new Shippable(packed, new CodeManifest.Entry(hash, Files.size(packed), dir.toString(),
        EntryIndex.of(packed)));
  }
}
