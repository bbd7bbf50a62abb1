package dev.kapu.daemon.internal;

import dev.kapu.flight.Dictionaries;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider.MapDictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the next batches of a source reader on a thread of its own while the caller works on the
 * current one: a daemon's {@code DoGet} then sends batch n while DuckDB's Arrow export produces
 * batch n + 1, instead of one after the other.
 *
 * <p>Each loaded batch is moved out of the source's root into a root of its own by transferring
 * its buffers (no copy) and waits in a small bounded queue; {@link #loadNextBatch()} moves it on
 * into this reader's root the same way. So the source must load every batch into buffers it does
 * not reuse afterwards, as Arrow's IPC, C Data (DuckDB's export) and Flight readers and arrow-jdbc
 * do; a source that wrote into the previous batch's vectors without allocating would find them
 * empty. Every batch of this reader has fresh buffers, so a consumer may keep a reference to them
 * past the next {@code loadNextBatch} (Flight's zero-copy write does).
 *
 * <p>Each batch keeps the dictionaries the source had when it loaded it, by sharing their buffers
 * (the source loads new ones into buffers of their own too): by the time this reader hands a batch
 * out, the source may have loaded others with the batches ahead (DuckDB's export brings them along
 * with each batch), and closed the batch's own.
 *
 * <p>A failure of the source is rethrown by the {@code loadNextBatch} that would have returned the
 * failed batch. {@link #close()} stops the loader, waiting for the load under way to finish
 * (DuckDB's export must not be closed under a running load), frees the queued batches and then
 * closes the source.
 */
public final class ReadAheadReader extends ArrowReader {
  private static final Logger log = LoggerFactory.getLogger(ReadAheadReader.class);
  /** A source whose load does not return within this long is closed under it (a hung network read). */
  private static final long CLOSE_WAIT_MILLIS = 30_000;
  private static final Object END = new Object();

  private final ArrowReader source;
  private final Schema schema;
  /** Loaded batches, then {@link #END} or the source's failure. */
  private final BlockingQueue<Object> ready;
  private final Thread loader;
  private volatile boolean closing;
  private boolean finished;
  /** The dictionaries of the current batch (before the first, the source's as it started). */
  private MapDictionaryProvider currentDictionaries;

  /** A batch in a root of its own, with its dictionaries. */
  private record Loaded(VectorSchemaRoot root, MapDictionaryProvider dictionaries) {
    void close() {
      root.close();
      dictionaries.close();
    }
  }

  private ReadAheadReader(ArrowReader source, VectorSchemaRoot from, int depth) {
    // batches stay accounted where the source accounts them (no vectors: nothing to account)
    super(from.getFieldVectors().isEmpty() ? null : from.getVector(0).getAllocator());
    this.source = source;
    this.schema = from.getSchema();
    this.ready = new ArrayBlockingQueue<>(depth);
    this.currentDictionaries = Dictionaries.share(schema, source);
    this.loader = DatabaseThreads.thread(() -> load(from), "read-ahead"); // DuckDB computes as it exports
  }

  /**
   * Starts reading {@code source} ahead; the returned reader owns it, and so does this method
   * until it returns: if the source cannot give its schema, it is closed.
   *
   * @param depth batches waiting at most, besides the current one and the one being loaded
   */
  public static ReadAheadReader start(ArrowReader source, int depth) throws IOException {
    if (depth < 1) {
      source.close();
      throw new IllegalArgumentException("read-ahead depth must be at least 1: " + depth);
    }
    ReadAheadReader reader;
    try {
      reader = new ReadAheadReader(source, source.getVectorSchemaRoot(), depth);
    } catch (IOException | RuntimeException e) {
      try {
        source.close();
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    reader.loader.start();
    return reader;
  }

  private void load(VectorSchemaRoot from) {
    try {
      while (!closing && source.loadNextBatch()) {
        MapDictionaryProvider batchDictionaries = Dictionaries.share(schema, source);
        VectorSchemaRoot batch = VectorSchemaRoot.create(schema, allocator);
        move(from, batch);
        Loaded loaded = new Loaded(batch, batchDictionaries);
        if (!enqueue(loaded)) {
          loaded.close();
          return;
        }
      }
      enqueue(END);
    } catch (Throwable e) {
      enqueue(e);
    }
  }

  /** Waits for room; false once the reader is closing. */
  private boolean enqueue(Object item) {
    try {
      while (!closing) {
        if (ready.offer(item, 10, TimeUnit.MILLISECONDS)) {
          return true;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  private static void move(VectorSchemaRoot from, VectorSchemaRoot to) {
    for (int i = 0; i < from.getFieldVectors().size(); i++) {
      from.getVector(i).makeTransferPair(to.getVector(i)).transfer();
    }
    to.setRowCount(from.getRowCount());
    from.setRowCount(0);
  }

  @Override
  public boolean loadNextBatch() throws IOException {
    prepareLoadNextBatch();
    if (finished) {
      return false;
    }
    Object next;
    try {
      next = ready.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting for the next batch");
    }
    if (next == END) {
      finished = true;
      return false;
    }
    if (next instanceof Throwable failure) {
      finished = true;
      throw new IOException(failure.getMessage() != null ? failure.getMessage() : failure.toString(), failure);
    }
    Loaded batch = (Loaded) next;
    try (VectorSchemaRoot root = batch.root()) {
      move(root, getVectorSchemaRoot());
    }
    currentDictionaries.close();
    currentDictionaries = batch.dictionaries();
    return true;
  }

  @Override
  public long bytesRead() {
    return source.bytesRead();
  }

  @Override
  public Map<Long, Dictionary> getDictionaryVectors() {
    return Dictionaries.byId(currentDictionaries);
  }

  @Override
  public Dictionary lookup(long id) {
    return currentDictionaries.lookup(id);
  }

  @Override
  public Set<Long> getDictionaryIds() {
    return currentDictionaries.getDictionaryIds();
  }

  @Override
  protected Schema readSchema() {
    return schema;
  }

  @Override
  protected void closeReadSource() throws IOException {
    closing = true;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_WAIT_MILLIS);
    try {
      while (loader.isAlive() && System.nanoTime() < deadline) {
        discardQueued();
        loader.join(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (loader.isAlive()) {
      log.warn("the result's source did not finish loading a batch within {} ms; closing it anyway",
          CLOSE_WAIT_MILLIS);
    }
    discardQueued();
    currentDictionaries.close();
    source.close();
  }

  private void discardQueued() {
    for (Object item = ready.poll(); item != null; item = ready.poll()) {
      if (item instanceof Loaded batch) {
        batch.close();
      }
    }
  }
}
