package dev.kapu.daemon.code;

import dev.kapu.flight.CodeHashes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's cache of shipped code, one file per SHA-256, shared by every daemon that uses the
 * same directory: an entry is fetched from the dispatcher once, checked against its hash, and
 * published with an atomic rename, so a daemon never sees half a file and two daemons fetching the
 * same entry at once both end with the same bytes.
 */
public final class CodeCache {
  private static final Logger log = LoggerFactory.getLogger(CodeCache.class);

  /** Fetches blob {@code hash} from the dispatcher into {@code out}. */
  @FunctionalInterface
  public interface Fetcher {
    void fetch(String hash, OutputStream out) throws IOException;
  }

  private final Path dir;
  private final Fetcher fetcher;
  private final Map<String, Object> fetching = new ConcurrentHashMap<>();
  private final AtomicInteger fetched = new AtomicInteger();

  public CodeCache(Path dir, Fetcher fetcher) {
    this.dir = dir;
    this.fetcher = fetcher;
  }

  /** {@code ~/.cache/kapu/code} (or under {@code XDG_CACHE_HOME}): shared by the daemons of a host. */
  public static Path defaultDirectory() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("kapu").resolve("code");
  }

  public Path directory() {
    return dir;
  }

  /** How many entries this daemon fetched (the others it found in the cache). */
  public int fetched() {
    return fetched.get();
  }

  /** The file of blob {@code hash}: from the cache, else fetched, checked and cached first. */
  public Path entry(String hash) throws IOException {
    if (!CodeHashes.isHash(hash)) {
      throw new IOException("not a SHA-256 hash: '" + hash + "'");
    }
    Path target = dir.resolve(hash);
    if (Files.isRegularFile(target)) {
      return target;
    }
    synchronized (fetching.computeIfAbsent(hash, h -> new Object())) {
      if (Files.isRegularFile(target)) {
        return target;
      }
      Files.createDirectories(dir);
      Path part = Files.createTempFile(dir, hash + ".", ".part");
      try {
        MessageDigest digest = CodeHashes.digest();
        long size;
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(part), digest)) {
          fetcher.fetch(hash, out);
          size = Files.size(part);
        }
        String actual = CodeHashes.hex(digest);
        if (!actual.equals(hash)) {
          throw new IOException("shipped code " + hash + " arrived with hash " + actual + ": refused");
        }
        try {
          Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        }
        fetched.incrementAndGet();
        log.info("fetched shipped code {} ({} bytes) into {}", hash, size, dir);
        return target;
      } finally {
        Files.deleteIfExists(part);
        fetching.remove(hash);
      }
    }
  }
}
