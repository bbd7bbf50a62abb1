package dev.kapu.flight;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.OutboundStreamListener;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * Flow control for streams Kapu writes: a slow reader holds the writer back instead of filling
 * memory. Readiness is polled with a short back-off: Flight's own wait spins a core, its callback
 * was seen to miss its wake-up, and gRPC delivers that callback on the call's executor, which a
 * server's {@code getStream} loop occupies.
 */
public final class Outbound {
  private Outbound() {}

  /** How long a reader may stop reading before the stream is given up. */
  public static final long STALL_MILLIS = 120_000;

  /**
   * Waits until {@code listener} can take another message; false if the other side went away
   * ({@code gone}) or stopped reading for {@link #STALL_MILLIS}.
   */
  public static boolean awaitReady(OutboundStreamListener listener, BooleanSupplier gone)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS);
    long pause = 10_000; // ns; backs off to 1 ms
    while (!listener.isReady()) {
      if (gone.getAsBoolean() || System.nanoTime() > deadline) {
        return false;
      }
      TimeUnit.NANOSECONDS.sleep(pause);
      pause = Math.min(pause * 2, 1_000_000);
    }
    return !gone.getAsBoolean();
  }

  /**
   * For a server's stream: waits until {@code listener} can take another batch; false if the
   * client cancelled, or stopped reading for {@link #STALL_MILLIS} (then the stream ends with
   * TIMED_OUT).
   */
  public static boolean awaitReady(ServerStreamListener listener) throws InterruptedException {
    if (awaitReady(listener, listener::isCancelled)) {
      return true;
    }
    if (!listener.isCancelled()) {
      listener.error(CallStatus.TIMED_OUT.withDescription("the client stopped reading").toRuntimeException());
    }
    return false;
  }

  /**
   * Starts {@code listener} with {@code reader}'s root and dictionaries and sends its batches one
   * by one as the client takes them. True when all were sent: the caller then completes the
   * stream. False if the client went away or stalled (the stream has ended) or {@code stop} was
   * raised (the caller ends the stream, say with CANCELLED).
   *
   * <p>Flight sends the dictionaries once, ahead of the batches, and a C Data reader (DuckDB's
   * export) fills them only as it loads its first batch: a stream with dictionary-encoded columns
   * starts once that is loaded, and fails if a later batch comes with other dictionaries.
   */
  public static boolean sendBatches(ArrowReader reader, ServerStreamListener listener, BooleanSupplier stop)
      throws java.io.IOException, InterruptedException {
    VectorSchemaRoot root = reader.getVectorSchemaRoot();
    boolean encoded = Dictionaries.used(root.getSchema());
    if (!encoded) {
      listener.start(root); // the client has the schema before the first batch is ready
    }
    boolean more = !stop.getAsBoolean() && reader.loadNextBatch();
    if (encoded) {
      listener.start(root, reader);
    }
    try (Dictionaries.Fixed sent = new Dictionaries.Fixed(root.getSchema(), "a Flight stream")) {
      while (more) {
        sent.check(reader);
        if (stop.getAsBoolean() || !awaitReady(listener)) {
          return false;
        }
        listener.putNext();
        more = !stop.getAsBoolean() && reader.loadNextBatch();
      }
    }
    return !stop.getAsBoolean();
  }

  /**
   * As {@link #sendBatches}, on a listener already started with {@code started}: a root of the
   * schema announced to the client before the result existed, so that the client had it while the
   * query still ran. Each of {@code reader}'s batches is moved into it (its buffers transferred,
   * not copied) and sent.
   *
   * @throws IllegalStateException if the reader's columns are not of the announced types
   */
  public static boolean sendInto(VectorSchemaRoot started, ArrowReader reader, ServerStreamListener listener,
      BooleanSupplier stop) throws java.io.IOException, InterruptedException {
    VectorSchemaRoot from = reader.getVectorSchemaRoot();
    if (!sameTypes(from.getSchema().getFields(), started.getSchema().getFields())) {
      throw new IllegalStateException("the result's columns " + from.getSchema() + " are not those announced, "
          + started.getSchema());
    }
    while (!stop.getAsBoolean() && reader.loadNextBatch()) {
      if (stop.getAsBoolean() || !awaitReady(listener)) {
        return false;
      }
      for (int i = 0; i < from.getFieldVectors().size(); i++) {
        from.getVector(i).makeTransferPair(started.getVector(i)).transfer();
      }
      started.setRowCount(from.getRowCount());
      listener.putNext();
    }
    return !stop.getAsBoolean();
  }

  private static boolean sameTypes(List<Field> a, List<Field> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).getType().equals(b.get(i).getType()) || !sameTypes(a.get(i).getChildren(), b.get(i).getChildren())) {
        return false;
      }
    }
    return true;
  }
}
