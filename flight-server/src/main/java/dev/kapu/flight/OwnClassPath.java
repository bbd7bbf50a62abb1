package dev.kapu.flight;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher's own class path as blobs of shipped code: a client's entry equal to one of
 * them (the same jar of the same library, Kapu's dependencies above all) need not be uploaded,
 * since the dispatcher can serve it from its own file. Class directories are packed as clients
 * pack them, so equal content matches too.
 */
final class OwnClassPath {
  private static final Logger log = LoggerFactory.getLogger(OwnClassPath.class);

  private OwnClassPath() {}

  /** Hash to file, for every jar and class directory of this JVM's class path; {@code packDir} takes packed ones. */
  static Map<String, Path> blobs(Path packDir) {
    long started = System.nanoTime();
    Map<String, Path> blobs = new LinkedHashMap<>();
    for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      Path p = Path.of(entry);
      try {
        if (Files.isRegularFile(p)) {
          blobs.putIfAbsent(CodeHashes.of(p), p);
        } else if (Files.isDirectory(p)) {
          Files.createDirectories(packDir);
          Path packed = Files.createTempFile(packDir, "own-", ".jar");
          try (OutputStream out = Files.newOutputStream(packed)) {
            DirectoryPacker.pack(p, out);
          }
          blobs.putIfAbsent(CodeHashes.of(packed), packed);
        }
      } catch (IOException e) {
        log.warn("could not index class path entry {} as shipped code: {}", p, e.toString());
      }
    }
    log.info("indexed {} class path entries as shipped code in {} ms", blobs.size(),
        (System.nanoTime() - started) / 1_000_000);
    return blobs;
  }
}
