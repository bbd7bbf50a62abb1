package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.flight.ForwardingReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.util.Text;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ReadAheadReader} over DuckDB's Arrow export, as a daemon's DoGet uses it: every batch
 * arrives in order with its own dictionaries, failures of the source reach the reader, and nothing
 * leaks however the reading ends (the allocator refuses to close while a buffer is still held).
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
  void eachBatchKeepsItsDictionaries() throws Exception {
    // an IPC stream whose dictionary is replaced with every batch: batch n's is ["n a", "n b"]
    int batches = 5;
    DictionaryEncoding encoding = new DictionaryEncoding(1, false, new ArrowType.Int(32, true));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VarCharVector dictionary = new VarCharVector("values", allocator);
        IntVector indices = new IntVector("e", new FieldType(true, new ArrowType.Int(32, true), encoding), allocator);
        VectorSchemaRoot batch = VectorSchemaRoot.of(indices);
        ArrowStreamWriter writer = new ArrowStreamWriter(batch,
            new DictionaryProvider.MapDictionaryProvider(new Dictionary(dictionary, encoding)), bytes)) {
      for (int n = 0; n < batches; n++) {
        dictionary.setSafe(0, new Text(n + " a"));
        dictionary.setSafe(1, new Text(n + " b"));
        dictionary.setValueCount(2);
        indices.setSafe(0, 1);
        indices.setNull(1);
        indices.setValueCount(2);
        batch.setRowCount(2);
        writer.writeBatch();
      }
      writer.end();
    }
    try (ArrowReader reader = ReadAheadReader.start(
        new ArrowStreamReader(new ByteArrayInputStream(bytes.toByteArray()), allocator), 2)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      for (int n = 0; n < batches; n++) {
        assertThat(reader.loadNextBatch()).isTrue();
        Thread.sleep(50); // the loader reads ahead, and the source loads the next batches' dictionaries
        IntVector e = (IntVector) root.getVector("e");
        VarCharVector values = (VarCharVector) reader.lookup(1).getVector();
        assertThat(values.getObject(e.get(0))).hasToString(n + " b");
        assertThat(e.isNull(1)).isTrue();
      }
      assertThat(reader.loadNextBatch()).isFalse();
    }
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
  static final class FailingAfter extends ForwardingReader {
    private final int batches;
    private int loaded;

    FailingAfter(ArrowReader source, int batches) {
      super(source);
      this.batches = batches;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      if (loaded == batches) {
        throw new IOException("the source broke after " + batches + " batches");
      }
      loaded++;
      return source.loadNextBatch();
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
