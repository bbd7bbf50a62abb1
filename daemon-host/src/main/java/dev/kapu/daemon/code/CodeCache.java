package dev.kapu.daemon.code;

import dev.kapu.flight.CodeHashes;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This host's cache of shipped code, one file per SHA-256, shared by every daemon that uses the
 * same directory: an entry is fetched from the dispatcher once, checked against its hash, and
 * published with an atomic rename, so a daemon never sees half a file. Daemons that need an entry
 * another is fetching wait for that fetch instead of making their own: in one JVM on a lock of the
 * entry's, across the host's processes on its lock file. A session's first tasks reach all its
 * daemons at once, and a host may run hundreds (a bench, several per node), each asking for the
 * same entries in the same second.
 */
public final class CodeCache {
  private static final Logger log = LoggerFactory.getLogger(CodeCache.class);
  /** How long a daemon waits for another process's fetch of an entry before fetching it too. */
  private static final Duration OTHER_PROCESS_PATIENCE = Duration.ofMinutes(2);
  private static final long LOCK_POLL_MILLIS = 20;
  /** One lock per entry file for all the daemons of this JVM; few (one per entry ever fetched) and kept. */
  private static final Map<Path, Object> FETCHING = new ConcurrentHashMap<>();

  /** Fetches blob {@code hash} from the dispatcher into {@code out}. */
  @FunctionalInterface
  public interface Fetcher {
    void fetch(String hash, OutputStream out) throws IOException;
  }

  private final Path dir;
  private final Fetcher fetcher;
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
    synchronized (FETCHING.computeIfAbsent(target.toAbsolutePath().normalize(), t -> new Object())) {
      if (Files.isRegularFile(target)) {
        return target;
      }
      Files.createDirectories(dir);
      try (FileChannel lockFile = FileChannel.open(dir.resolve(hash + ".lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE); FileLock held = lockOrGiveUp(lockFile, hash)) {
        if (Files.isRegularFile(target)) {
          return target; // another process fetched it while this one waited
        }
        return fetch(hash, target);
      }
    }
  }

  /**
   * The entry's lock across the host's processes, once the one that holds it is done; null if it
   * is still held after {@link #OTHER_PROCESS_PATIENCE} (a stuck fetch elsewhere) or the file
   * system has no locks: the entry is then fetched anyway, which the atomic rename makes safe.
   */
  private static FileLock lockOrGiveUp(FileChannel lockFile, String hash) throws IOException {
    long deadline = System.nanoTime() + OTHER_PROCESS_PATIENCE.toNanos();
    try {
      for (FileLock lock = lockFile.tryLock(); ; lock = lockFile.tryLock()) {
        if (lock != null) {
          return lock;
        }
        if (System.nanoTime() > deadline) {
          log.warn("shipped code {} has been fetched by another process for {} s; fetching it here too",
              hash, OTHER_PROCESS_PATIENCE.toSeconds());
          return null;
        }
        Thread.sleep(LOCK_POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while another process fetched shipped code " + hash);
    } catch (IOException | OverlappingFileLockException e) {
      return null; // no locks here (some network file systems): the atomic rename still makes it safe
    }
  }

  private Path fetch(String hash, Path target) throws IOException {
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
    }
  }
}
