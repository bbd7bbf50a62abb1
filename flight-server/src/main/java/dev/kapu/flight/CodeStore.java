package dev.kapu.flight;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.flight.CallStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher's store of shipped code, by SHA-256: what clients put here, daemons fetch. A blob
 * is either a file of this store, received in chunks and checked against its hash before it
 * counts, or a file a client in this process offered by path. Blobs are immutable, so a hash
 * received twice is kept once, and the store lives as long as the dispatcher.
 */
public final class CodeStore implements CodeSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CodeStore.class);

  private final Path dir;
  private final boolean accepting;
  private final Map<String, Path> blobs = new ConcurrentHashMap<>();
  private final AtomicInteger received = new AtomicInteger();
  /** Whether this JVM's own class path has been added (once, when the first session asks). */
  private boolean ownIndexed;

  /**
   * @param dir where received blobs are written (created when the first arrives)
   * @param accepting false to refuse shipped code: uploads fail with PERMISSION_DENIED
   */
  public CodeStore(Path dir, boolean accepting) {
    this.dir = dir;
    this.accepting = accepting;
  }

  public boolean accepting() {
    return accepting;
  }

  /** How many blobs arrived by upload and checked out. */
  public int received() {
    return received.get();
  }

  /**
   * What a client elsewhere would have to upload: this process's own class path counts as held,
   * so the jars it shares with the client (Kapu's dependencies, most often) stay where they are.
   */
  List<String> missingFromElsewhere(List<String> hashes) {
    refuseUnlessAccepting();
    indexOwnClassPath();
    return missing(hashes);
  }

  /** For a client in this process, which hands its files over by path: nothing is copied either way. */
  @Override
  public List<String> missing(List<String> hashes) {
    refuseUnlessAccepting();
    List<String> missing = new ArrayList<>();
    for (String h : hashes) {
      if (!blobs.containsKey(h)) {
        missing.add(h);
      }
    }
    return missing;
  }

  /**
   * Adds what this process's class path holds, so that clients upload only what it lacks. Done
   * once, on the first session that ships code: a dispatcher nobody ships to never hashes it.
   */
  private synchronized void indexOwnClassPath() {
    if (!ownIndexed) {
      OwnClassPath.blobs(dir.resolve("own")).forEach(blobs::putIfAbsent);
      ownIndexed = true;
    }
  }

  /** In this process: the file itself becomes the blob (its hash is checked where it arrives). */
  @Override
  public void put(String hash, Path file) {
    refuseUnlessAccepting();
    requireHash(hash);
    blobs.putIfAbsent(hash, file);
  }

  /**
   * One chunk of an upload named {@code upload} (unique per uploader). The last chunk completes
   * the blob: checked against {@code hash}, it is published under it.
   */
  void receive(String hash, String upload, long offset, long total, byte[] chunk) throws IOException {
    refuseUnlessAccepting();
    requireHash(hash);
    if (!upload.matches("[0-9A-Za-z-]{1,64}") || offset < 0 || total < 0 || offset + chunk.length > total) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("a corrupt code upload").toRuntimeException();
    }
    if (blobs.containsKey(hash)) {
      return;
    }
    Files.createDirectories(dir);
    Path part = dir.resolve(hash + "." + upload + ".part");
    try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      out.write(ByteBuffer.wrap(chunk), offset);
    }
    if (offset + chunk.length < total) {
      return;
    }
    String actual = CodeHashes.of(part);
    if (!actual.equals(hash) || Files.size(part) != total) {
      Files.deleteIfExists(part);
      throw CallStatus.INVALID_ARGUMENT.withDescription("shipped code did not match its hash " + hash)
          .toRuntimeException();
    }
    Path blob = dir.resolve(hash);
    try {
      Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
      Files.move(part, blob, StandardCopyOption.REPLACE_EXISTING);
    }
    if (blobs.putIfAbsent(hash, blob) == null) {
      received.incrementAndGet();
      log.info("received shipped code {} ({} bytes)", hash, total);
    }
  }

  /** Up to {@code length} bytes of blob {@code hash} from {@code offset}, and its total size. */
  Chunk read(String hash, long offset, int length) throws IOException {
    Path blob = blobs.get(hash);
    if (blob == null) {
      throw CallStatus.NOT_FOUND.withDescription("the dispatcher holds no shipped code " + hash
          + " (the session that shipped it may have ended)").toRuntimeException();
    }
    try (SeekableByteChannel in = Files.newByteChannel(blob)) {
      long total = in.size();
      int n = (int) Math.max(0, Math.min(length, total - offset));
      ByteBuffer buffer = ByteBuffer.allocate(n);
      in.position(offset);
      while (buffer.hasRemaining() && in.read(buffer) >= 0) {
        // reads until the chunk is full
      }
      return new Chunk(total, buffer.array());
    }
  }

  /** A piece of a blob and the blob's whole size. */
  record Chunk(long total, byte[] bytes) {}

  private void refuseUnlessAccepting() {
    if (!accepting) {
      throw CallStatus.UNAUTHORIZED.withDescription("this dispatcher refuses shipped code (it was started with"
          + " --no-shipped-code): give its daemons the application's jars with kapu daemon --classpath, and"
          + " turn shipping off in the session (Kapu.builder().shipCode(false))").toRuntimeException();
    }
  }

  private static void requireHash(String hash) {
    if (!CodeHashes.isHash(hash)) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("not a SHA-256 hash: '" + hash + "'").toRuntimeException();
    }
  }

  /** Deletes what was received here; files offered by path stay theirs. */
  @Override
  public void close() {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var files = Files.walk(dir)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException | UncheckedIOException e) {
      log.warn("could not delete the shipped code under {}: {}", dir, e.toString());
    }
  }
}
