package dev.kapu.bench;

import java.nio.file.Path;
import java.util.Iterator;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightClient.ClientStreamListener;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.SyncPutListener;
import org.apache.arrow.flight.sql.impl.FlightSql.DoPutUpdateResult;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;

/**
 * The benchmark table in this JVM's memory, sent whole by {@code DoPut} to a table named {@link
 * #NAME} (replacing what a previous upload left) the way a user's program sends batches with a
 * Flight client of default settings: {@code putNext} after {@code putNext}, Flight waiting for the
 * stream to be ready before each.
 */
final class TableUpload implements AutoCloseable {
  private static final String NAME = "uploaded";
  private static final FlightDescriptor REPLACE = FlightDescriptor.path(NAME, "replace");

  private final BufferAllocator allocator;
  private final ArrowTablePeer.Table table;
  private final Reading whole;

  private TableUpload(BufferAllocator allocator, ArrowTablePeer.Table table, Reading whole) {
    this.allocator = allocator;
    this.table = table;
    this.whole = whole;
  }

  /** The result of {@code sql} on {@code file}, in DuckDB's batches of {@code batchRows}. */
  static TableUpload load(BufferAllocator allocator, Path file, String sql, int batchRows) throws Exception {
    ArrowTablePeer.Table table = ArrowTablePeer.Table.load(allocator, file.toString(), sql, batchRows);
    try (VectorSchemaRoot root = VectorSchemaRoot.create(table.schema(), allocator)) {
      VectorLoader loader = new VectorLoader(root);
      Iterator<ArrowRecordBatch> batches = table.batches().iterator();
      Reading whole = Reading.drain(root, () -> {
        if (!batches.hasNext()) {
          return false;
        }
        loader.load(batches.next());
        return true;
      }, System.nanoTime());
      return new TableUpload(allocator, table, whole);
    }
  }

  /**
   * Sends the table through {@code client}, timed from the call to the server's answer; the
   * reading's rows are those the server says it received, the rest is what was sent.
   */
  Reading to(FlightClient client, CallOption... options) throws Exception {
    long t0 = System.nanoTime();
    SyncPutListener answer = new SyncPutListener();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(table.schema(), allocator)) {
      ClientStreamListener put = client.startPut(REPLACE, root, answer, options);
      VectorLoader loader = new VectorLoader(root);
      for (ArrowRecordBatch batch : table.batches()) {
        loader.load(batch);
        put.putNext();
      }
      put.completed();
      put.getResult();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long received;
    try (PutResult result = answer.read()) {
      if (result == null || result.getApplicationMetadata() == null) {
        throw new IllegalStateException("the server answered the upload without a row count");
      }
      ArrowBuf metadata = result.getApplicationMetadata();
      byte[] bytes = new byte[(int) metadata.readableBytes()];
      metadata.getBytes(0, bytes);
      received = DoPutUpdateResult.parseFrom(bytes).getRecordCount();
    }
    return new Reading(received, whole.bytes(), whole.idSum(), seconds);
  }

  @Override
  public void close() {
    table.batches().forEach(ArrowRecordBatch::close);
  }
}
