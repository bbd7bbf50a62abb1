package dev.kapu.daemon.internal;

import dev.kapu.flight.Dictionaries;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider.MapDictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A result read whole before anyone asks for it: what a query inside a transaction returns, so
 * that the transaction's one connection is free for its next statement (and its end) while the
 * client fetches. Batches are kept as they came, buffers shared with the source (no copy), each
 * with the dictionaries it was read with; each is released once read. A result past {@code
 * limitBytes} is refused, so a transaction's query cannot fill the daemon's memory.
 */
public final class MaterializedReader extends ArrowReader {
  private final Schema schema;
  private final List<ArrowRecordBatch> batches;
  private final List<MapDictionaryProvider> dictionaries;
  private final long bytes;
  private int next;
  private MapDictionaryProvider current;

  private MaterializedReader(BufferAllocator allocator, Schema schema, List<ArrowRecordBatch> batches,
      List<MapDictionaryProvider> dictionaries, long bytes) {
    super(allocator);
    this.schema = schema;
    this.batches = batches;
    this.dictionaries = dictionaries;
    this.bytes = bytes;
  }

  /**
   * Reads {@code source} to its end (it stays open: its owner closes it).
   *
   * @throws IOException if the result passes {@code limitBytes}, saying so
   */
  public static MaterializedReader readWhole(ArrowReader source, BufferAllocator allocator, long limitBytes)
      throws IOException {
    List<ArrowRecordBatch> batches = new ArrayList<>();
    List<MapDictionaryProvider> dictionaries = new ArrayList<>();
    long bytes = 0;
    try {
      VectorSchemaRoot root = source.getVectorSchemaRoot();
      Schema schema = root.getSchema();
      boolean encoded = Dictionaries.used(schema);
      while (source.loadNextBatch()) {
        ArrowRecordBatch batch = new VectorUnloader(root).getRecordBatch();
        batches.add(batch);
        dictionaries.add(encoded ? Dictionaries.share(schema, source) : null);
        bytes += batch.computeBodyLength();
        if (bytes > limitBytes) {
          throw new IOException("a query inside a transaction is read whole before the transaction's next"
              + " statement, and this result passed the limit of " + limitBytes + " bytes: narrow it, or run it"
              + " outside the transaction");
        }
      }
      return new MaterializedReader(allocator, schema, batches, dictionaries, bytes);
    } catch (IOException | RuntimeException e) {
      release(batches, dictionaries);
      throw e;
    }
  }

  @Override
  public boolean loadNextBatch() throws IOException {
    ensureInitialized();
    if (next >= batches.size()) {
      return false;
    }
    try (ArrowRecordBatch batch = batches.set(next, null)) {
      new VectorLoader(getVectorSchemaRoot()).load(batch); // the vectors take references of their own
    }
    if (current != null) {
      current.close();
    }
    current = dictionaries.set(next, null);
    next++;
    return true;
  }

  @Override
  public Dictionary lookup(long id) {
    return current != null ? current.lookup(id) : super.lookup(id);
  }

  @Override
  public Set<Long> getDictionaryIds() {
    return current != null ? current.getDictionaryIds() : super.getDictionaryIds();
  }

  @Override
  public Map<Long, Dictionary> getDictionaryVectors() throws IOException {
    ensureInitialized();
    if (current == null && !dictionaries.isEmpty() && dictionaries.get(0) != null) {
      return Dictionaries.byId(dictionaries.get(0)); // before the first batch: the first batch's
    }
    return current != null ? Dictionaries.byId(current) : super.getDictionaryVectors();
  }

  @Override
  public long bytesRead() {
    return bytes;
  }

  @Override
  protected void closeReadSource() {
    List<MapDictionaryProvider> providers = new ArrayList<>(dictionaries);
    providers.add(current);
    release(batches, providers);
  }

  @Override
  protected Schema readSchema() {
    return schema;
  }

  private static void release(List<ArrowRecordBatch> batches, List<MapDictionaryProvider> dictionaries) {
    List<AutoCloseable> all = new ArrayList<>();
    batches.stream().filter(b -> b != null).forEach(all::add);
    dictionaries.stream().filter(d -> d != null).forEach(all::add);
    try {
      AutoCloseables.close(all);
    } catch (Exception e) {
      throw new IllegalStateException("releasing a transaction's result failed: " + e.getMessage(), e);
    }
  }
}
