package dev.kapu.daemon.internal;

import dev.kapu.api.ArrowTables;
import dev.kapu.flight.Batches;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A daemon's tables: batches copied into an allocator of their own, with a limit, and cut to
 * {@link #BATCH_BYTES} at most on the way in.
 */
public final class TableStore implements ArrowTables, AutoCloseable {
  /**
   * The most a stored batch holds, give or take 8 rows. A table is mostly there to be streamed,
   * one Flight message per batch, and a reader copies each message out of gRPC's HTTP/2 frames
   * once it has all of it: a message of half a MB is still in the cache by then, one of 2 MB
   * (DuckDB's 64K-row batches of the bench table) is not. Read from a daemon in turn, the bench
   * table stored as it came streamed at 1.43-1.59 GB/s, and cut at put time at 1.78-1.90 GB/s, the
   * reader spending 391-418 ms of CPU per GB against 484-508 (docs/DESIGN.md, "What a stream
   * copies"). Cutting the batches as they are sent instead made the daemon pay for it on every
   * read (the slices' string offsets are rebased), more than the reader saved.
   */
  static final long BATCH_BYTES = 512 * 1024;

  private final BufferAllocator allocator;
  private final Map<String, Table> tables = new ConcurrentHashMap<>();
  private final Consumer<Set<String>> onChange;

  private record Table(Schema schema, List<ArrowRecordBatch> batches, long rows) implements AutoCloseable {
    long bytes() {
      return batches.stream().mapToLong(ArrowRecordBatch::computeBodyLength).sum();
    }

    @Override
    public void close() {
      batches.forEach(ArrowRecordBatch::close);
    }
  }

  /** @param onChange told the new set of names whenever a table appears or goes */
  public TableStore(BufferAllocator parent, long limitBytes, Consumer<Set<String>> onChange) {
    this.allocator = parent.newChildAllocator("tables", 0, limitBytes);
    this.onChange = onChange;
  }

  public BufferAllocator allocator() {
    return allocator;
  }

  @Override
  public void put(String name, ArrowReader data) throws IOException {
    store(name, data, true);
  }

  /**
   * As {@link #put}, but refuses to replace: false (and nothing stored) if a table called {@code
   * name} exists once {@code data} has been read in.
   */
  public boolean create(String name, ArrowReader data) throws IOException {
    return store(name, data, false);
  }

  private boolean store(String name, ArrowReader data, boolean replace) throws IOException {
    List<ArrowRecordBatch> batches = new ArrayList<>();
    long rows = 0;
    Schema schema;
    try {
      VectorSchemaRoot root = data.getVectorSchemaRoot();
      schema = root.getSchema();
      while (data.loadNextBatch()) {
        int batchRows = root.getRowCount();
        rows += batchRows;
        int step = sliceRows(batchRows, Batches.bytes(root), BATCH_BYTES);
        if (step >= batchRows) {
          batches.add(copy(root));
          continue;
        }
        for (int start = 0; start < batchRows; start += step) {
          // slices share the batch's memory (they start on a multiple of 8 rows) until copied
          try (VectorSchemaRoot slice = root.slice(start, Math.min(step, batchRows - start))) {
            batches.add(copy(slice));
          }
        }
      }
    } catch (OutOfMemoryException e) {
      batches.forEach(ArrowRecordBatch::close);
      throw new IOException("table '" + name + "' does not fit in the daemon's table memory (limit "
          + allocator.getLimit() + " bytes, in use " + allocator.getAllocatedMemory() + ")", e);
    } catch (IOException | RuntimeException e) {
      batches.forEach(ArrowRecordBatch::close);
      throw e;
    }
    Table table = new Table(schema, List.copyOf(batches), rows);
    if (replace) {
      Table previous = tables.put(name, table);
      if (previous != null) {
        previous.close();
      }
    } else if (tables.putIfAbsent(name, table) != null) {
      table.close();
      return false;
    }
    onChange.accept(names());
    return true;
  }

  /**
   * Rows per slice of a batch of {@code rows} rows and {@code bytes} bytes so that each slice
   * holds about {@code maxBytes} at most: all of them if the batch is within it, else as many
   * equal slices as it takes, of a multiple of 8 rows (a slice starting there shares the batch's
   * validity bitmaps), the last one shorter.
   */
  static int sliceRows(int rows, long bytes, long maxBytes) {
    if (bytes <= maxBytes) {
      return rows;
    }
    long slices = (bytes + maxBytes - 1) / maxBytes;
    long perSlice = (rows + slices - 1) / slices;
    return (int) Math.min(rows, (perSlice + 7) / 8 * 8);
  }

  /**
   * The batch {@code root} holds, its buffers copied into this store's allocator, so that the
   * table outlives the reader and counts against the limit.
   */
  private ArrowRecordBatch copy(VectorSchemaRoot root) {
    try (ArrowRecordBatch source = new VectorUnloader(root).getRecordBatch()) {
      return copy(source);
    }
  }

  /**
   * {@code source} copied into one block of this store's memory, each buffer a slice of it on an
   * 8-byte boundary. Arrow rounds every allocation up to a power of two, so a block per batch is
   * rounded once: 10M rows of BIGINT, DOUBLE and VARCHAR (393 MB of data) took 400 MB of the
   * store's memory so, in 0.5 MB batches; with a buffer each they took 552 MB, and 484 MB in
   * DuckDB's 64K-row batches as stored before.
   */
  private ArrowRecordBatch copy(ArrowRecordBatch source) {
    long total = 0;
    for (ArrowBuf buf : source.getBuffers()) {
      total += aligned(buf.readableBytes());
    }
    List<ArrowBuf> parts = new ArrayList<>(source.getBuffers().size());
    try (ArrowBuf block = allocator.buffer(total)) {
      long at = 0;
      for (ArrowBuf buf : source.getBuffers()) {
        long length = buf.readableBytes();
        block.setBytes(at, buf, 0, length);
        ArrowBuf part = block.slice(at, length);
        part.writerIndex(length);
        parts.add(part);
        at += aligned(length);
      }
      return new ArrowRecordBatch(source.getLength(), source.getNodes(), parts); // holds the block
    }
  }

  private static long aligned(long bytes) {
    return (bytes + 7) & ~7L;
  }

  @Override
  public ArrowReader get(String name) {
    Table table = require(name);
    return new BatchListReader(allocator, table.schema(), table.batches());
  }

  private Table require(String name) {
    Table table = tables.get(name);
    if (table == null) {
      throw new IllegalArgumentException("no table '" + name + "' on this daemon (tables: " + names() + ")");
    }
    return table;
  }

  @Override
  public boolean contains(String name) {
    return tables.containsKey(name);
  }

  @Override
  public Schema schema(String name) {
    return require(name).schema();
  }

  @Override
  public long rowCount(String name) {
    return require(name).rows();
  }

  /** The bytes of the table's buffers. */
  public long bytes(String name) {
    return require(name).bytes();
  }

  @Override
  public boolean drop(String name) {
    Table table = tables.remove(name);
    if (table == null) {
      return false;
    }
    table.close();
    onChange.accept(names());
    return true;
  }

  @Override
  public Set<String> names() {
    return new TreeSet<>(tables.keySet());
  }

  @Override
  public void close() throws Exception {
    AutoCloseables.close(tables.values());
    tables.clear();
    allocator.close();
  }

  /** Reads stored batches; each reader loads them into a root of its own. */
  static final class BatchListReader extends ArrowReader {
    private final Schema schema;
    private final List<ArrowRecordBatch> batches;
    private int next;

    BatchListReader(BufferAllocator allocator, Schema schema, List<ArrowRecordBatch> batches) {
      super(allocator);
      this.schema = schema;
      this.batches = batches;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      ensureInitialized();
      if (next >= batches.size()) {
        return false;
      }
      // Not loadRecordBatch(), which closes the batch after loading it: the batch belongs to the
      // table, and the next reader needs it. The vectors take references of their own.
      new VectorLoader(getVectorSchemaRoot()).load(batches.get(next++));
      return true;
    }

    @Override
    public long bytesRead() {
      return 0;
    }

    @Override
    protected void closeReadSource() {}

    @Override
    protected Schema readSchema() {
      return schema;
    }
  }
}
