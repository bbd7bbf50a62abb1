package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ReadAheadReader} over DuckDB's Arrow export, as a daemon's DoGet uses it: every batch
 * arrives in order, failures of the source reach the reader, and nothing leaks however the reading
 * ends (the allocator refuses to close while a buffer is still held).
 */
class ReadAheadReaderTest {
  static final int ROWS = 1_000_000;
  static final int BATCH = 10_000;

  BufferAllocator allocator;
  DuckDBConnection duckdb;

  @BeforeEach
  void open() throws Exception {
    allocator = new RootAllocator();
    duckdb = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
  }

  @AfterEach
  void close() throws Exception {
    duckdb.close();
    allocator.close(); // throws if a buffer leaked
  }

  /** DuckDB's export of {@code sql}; the reader owns the statement. */
  ArrowReader export(String sql) throws Exception {
    var statement = duckdb.createStatement();
    DuckDBResultSet result = (DuckDBResultSet) statement.executeQuery(sql);
    ArrowReader reader = (ArrowReader) result.arrowExportStream(allocator, BATCH);
    return new OwningReader(reader, List.of(statement, result));
  }

  @Test
  void readsEveryBatchInOrder() throws Exception {
    long rows = 0;
    long expected = 0;
    List<ArrowBuf> previous = new ArrayList<>();
    try (ArrowReader reader = ReadAheadReader.start(export("SELECT range AS id, 'n' || range AS label FROM range("
        + ROWS + ")"), 2)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      assertThat(root.getSchema().getFields()).extracting(f -> f.getName()).containsExactly("id", "label");
      while (reader.loadNextBatch()) {
        BigIntVector ids = (BigIntVector) root.getVector("id");
        for (int i = 0; i < root.getRowCount(); i++) {
          assertThat(ids.get(i)).isEqualTo(expected++);
        }
        rows += root.getRowCount();
        // each batch has buffers of its own: what a zero-copy sender still holds is not overwritten
        for (ArrowBuf buf : ids.getFieldBuffers()) {
          assertThat(previous).doesNotContain(buf);
        }
        previous = ids.getFieldBuffers();
      }
      assertThat(reader.loadNextBatch()).isFalse();
    }
    assertThat(rows).isEqualTo(ROWS);
    assertThat(allocator.getAllocatedMemory()).isZero();
  }

  @Test
  void closingEarlyStopsTheLoaderAndFreesQueuedBatches() throws Exception {
    ArrowReader reader = ReadAheadReader.start(export("SELECT range AS id FROM range(" + ROWS + ")"), 2);
    assertThat(reader.loadNextBatch()).isTrue();
    Thread.sleep(200); // the loader fills the queue and waits for room
    reader.close();
    assertThat(allocator.getAllocatedMemory()).isZero();
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("read-ahead"));
  }

  @Test
  void aFailureOfTheSourceReachesTheReader() throws Exception {
    int[] batches = {0};
    try (ArrowReader reader = ReadAheadReader.start(new FailingAfter(export("SELECT range AS id FROM range("
        + ROWS + ")"), 3), 2)) {
      assertThatThrownBy(() -> {
        while (reader.loadNextBatch()) {
          batches[0]++;
        }
      }).isInstanceOf(IOException.class).hasMessage("the source broke after 3 batches");
      assertThat(batches[0]).as("the batches before the failure come through").isEqualTo(3);
      assertThat(reader.loadNextBatch()).as("after the failure, the end").isFalse();
    }
    assertThat(allocator.getAllocatedMemory()).isZero();
  }

  /** DuckDB's export that breaks after some batches, as a network source can. */
  static final class FailingAfter extends ArrowReader {
    private final ArrowReader source;
    private final int batches;
    private int loaded;

    FailingAfter(ArrowReader source, int batches) {
      super(null);
      this.source = source;
      this.batches = batches;
    }

    @Override
    public VectorSchemaRoot getVectorSchemaRoot() throws IOException {
      return source.getVectorSchemaRoot();
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      if (loaded == batches) {
        throw new IOException("the source broke after " + batches + " batches");
      }
      loaded++;
      return source.loadNextBatch();
    }

    @Override
    public long bytesRead() {
      return 0;
    }

    @Override
    protected void closeReadSource() throws IOException {
      source.close();
    }

    @Override
    protected org.apache.arrow.vector.types.pojo.Schema readSchema() throws IOException {
      return source.getVectorSchemaRoot().getSchema();
    }
  }

  @Test
  void aSourceThatCannotStartIsClosed() throws Exception {
    AtomicBoolean closed = new AtomicBoolean();
    ArrowReader broken = new ArrowReader(allocator) {

      @Override
      public boolean loadNextBatch() {
        return false;
      }

      @Override
      public long bytesRead() {
        return 0;
      }

      @Override
      protected void closeReadSource() {
        closed.set(true);
      }

      @Override
      protected org.apache.arrow.vector.types.pojo.Schema readSchema() throws IOException {
        throw new IOException("no schema");
      }
    };
    assertThatThrownBy(() -> ReadAheadReader.start(broken, 2)).hasMessage("no schema");
    assertThat(closed).isTrue();
  }
}
