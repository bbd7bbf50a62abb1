package dev.kapu.client.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Session folders ({@code kapu-*}: a token, daemon logs and configs, certificates). Each records
 * its owner, the process that made it (pid, start time, host), in a file inside. It goes when its
 * session closes; if the program exits without closing it (a normal exit, SIGTERM), a shutdown
 * hook removes it; if the program was killed, the next session made in the same parent folder
 * removes it, once no live process owns it. A folder of a live process is never touched, nor one
 * whose owner cannot be read (being made now, or made by another program).
 */
public final class SessionDirectories {
  private static final Logger log = LoggerFactory.getLogger(SessionDirectories.class);

  /** The owner's record inside each session folder. */
  static final String OWNER_FILE = "kapu-owner";
  static final String PREFIX = "kapu-";

  private static final Set<Path> open = ConcurrentHashMap.newKeySet();
  private static final Set<Path> swept = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> open.forEach(SessionDirectories::deleteTree), "kapu-session-folders"));
  }

  private SessionDirectories() {}

  /** Who made a session folder. */
  record Owner(long pid, long startedMillis, String host) {
    static Owner current() {
      ProcessHandle self = ProcessHandle.current();
      return new Owner(self.pid(), startMillis(self).orElse(0L), hostName());
    }

    /**
     * Whether the folder it owns may go: made on this host, and its process is gone (no live
     * process has its pid, or the one that has started at another time: the pid was reused).
     *
     * @param liveStartMillis the start of the live process with the owner's pid (0 if unknown), or
     *     empty if none lives
     */
    boolean abandoned(String thisHost, Optional<Long> liveStartMillis) {
      if (!host.equals(thisHost)) {
        return false; // another machine's, on a shared file system: its processes are not ours to see
      }
      if (liveStartMillis.isEmpty()) {
        return true;
      }
      long live = liveStartMillis.get();
      return live != 0 && startedMillis != 0 && live != startedMillis;
    }

    String text() {
      return "pid=" + pid + "\nstarted=" + startedMillis + "\nhost=" + host + "\n";
    }

    static Optional<Owner> parse(String text) {
      Properties p = new Properties();
      try {
        p.load(new java.io.StringReader(text));
        return Optional.of(new Owner(Long.parseLong(p.getProperty("pid")),
            Long.parseLong(p.getProperty("started")), p.getProperty("host", "")));
      } catch (IOException | RuntimeException e) {
        return Optional.empty();
      }
    }
  }

  /**
   * Makes a session folder {@code <prefix><random>} in {@code parent} (null: the temp directory),
   * owned by this process; the first one made in a parent removes that parent's abandoned ones.
   *
   * @param prefix starts with {@code kapu-}
   */
  public static Path create(Path parent, String prefix) throws IOException {
    if (!prefix.startsWith(PREFIX)) {
      throw new IllegalArgumentException("session folders are named " + PREFIX + "*");
    }
    Path dir = parent == null ? Files.createTempDirectory(prefix) : Files.createTempDirectory(parent, prefix);
    Path where = dir.toAbsolutePath().getParent();
    Path record = Files.createTempFile(dir, ".owner-", ".tmp");
    Files.writeString(record, Owner.current().text(), StandardCharsets.UTF_8);
    Files.move(record, dir.resolve(OWNER_FILE), StandardCopyOption.ATOMIC_MOVE);
    open.add(dir);
    if (swept.add(where)) {
      removeAbandoned(where);
    }
    return dir;
  }

  /** Removes a session folder and all it holds (its session closed). */
  public static void delete(Path dir) {
    open.remove(dir);
    deleteTree(dir);
  }

  /** Removes the folders in {@code parent} whose owner is gone; returns how many. */
  static int removeAbandoned(Path parent) {
    String host = hostName();
    int removed = 0;
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, PREFIX + "*")) {
      for (Path dir : dirs) {
        Optional<Owner> owner = owner(dir);
        if (owner.isPresent() && !open.contains(dir)
            && owner.get().abandoned(host, ProcessHandle.of(owner.get().pid()).map(p -> startMillis(p).orElse(0L)))) {
          deleteTree(dir);
          removed++;
        }
      }
    } catch (IOException | UncheckedIOException e) {
      log.debug("could not look for abandoned session folders in {}: {}", parent, e.toString());
    }
    if (removed > 0) {
      log.info("removed {} session folder(s) in {} left by processes that are gone", removed, parent);
    }
    return removed;
  }

  private static Optional<Owner> owner(Path dir) {
    Path file = dir.resolve(OWNER_FILE);
    try {
      return Files.isDirectory(dir) && Files.isRegularFile(file)
          ? Owner.parse(Files.readString(file, StandardCharsets.UTF_8)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static Optional<Long> startMillis(ProcessHandle process) {
    return process.info().startInstant().map(Instant::toEpochMilli);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // gone already, or a file vanished meanwhile: nothing more to remove
    }
  }
}
