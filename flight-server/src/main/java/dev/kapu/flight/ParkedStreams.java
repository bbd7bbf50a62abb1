package dev.kapu.flight;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher's store of what tasks take with them as streams: Arrow arguments, and task
 * envelopes too large for a control message. A client parks a stream here (in this process by
 * handing over its reader; from elsewhere with {@code DoPut}); the daemon that runs the task
 * fetches it once with {@code DoGet}. Both calls carry the Kapu role and token.
 *
 * <p>A stream is freed once fetched, when its task ends (whichever way), or, if no submitted task
 * claimed it, after the expiry.
 */
final class ParkedStreams implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ParkedStreams.class);
  /** The first element of a {@code DoPut} descriptor's path; the second is the ticket. */
  public static final String PUT_PATH = "kapu-parked";

  private final Map<String, Parked> parked = new ConcurrentHashMap<>();
  private final BufferAllocator allocator;
  private final long expiryMillis;
  private final boolean zeroCopy;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "kapu-parked-expiry");
    t.setDaemon(true);
    return t;
  });
  /**
   * Streams are written from threads of their own: Flight calls getStream on the call's thread,
   * which for Kapu's calls is the network thread (or, in process, the fetching daemon's), and
   * waiting there for the reader would stop the very transport it waits on.
   */
  private final ExecutorService writers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kapu-parked-stream");
    t.setDaemon(true);
    return t;
  });

  private static final class Parked {
    final ArrowReader reader;
    /** Set before the entry is published in the map. */
    ScheduledFuture<?> expiry;

    Parked(ArrowReader reader) {
      this.reader = reader;
    }
  }

  /**
   * @param zeroCopy send batches without copying them, keeping their buffers alive until sent:
   *     needed on an in-process transport, which hands the message to the reader as it is (a copy
   *     made later would read memory the next batch already reused). It assumes readers that give
   *     each batch fresh buffers, as loading from IPC, Flight or the C data interface does.
   */
  public ParkedStreams(BufferAllocator allocator, long expiryMillis, boolean zeroCopy) {
    this.allocator = allocator;
    this.expiryMillis = expiryMillis;
    this.zeroCopy = zeroCopy;
  }

  /** Parks {@code reader} under {@code ticket}; it is closed once fetched or freed. */
  public void park(String ticket, ArrowReader reader) {
    Parked p = new Parked(reader);
    p.expiry = timer.schedule(() -> {
      if (parked.remove(ticket, p)) {
        log.warn("freeing a parked stream that no task claimed within {} ms", expiryMillis);
        closeQuietly(p.reader);
      }
    }, expiryMillis, TimeUnit.MILLISECONDS);
    if (parked.putIfAbsent(ticket, p) != null) {
      p.expiry.cancel(false);
      closeQuietly(reader);
      throw CallStatus.ALREADY_EXISTS.withDescription("a stream is already parked under this ticket")
          .toRuntimeException();
    }
  }

  /** A submitted task takes {@code ticket}: it no longer expires. False if it is not here (expired). */
  private boolean claim(String ticket) {
    Parked p = parked.get(ticket);
    if (p == null) {
      return false;
    }
    p.expiry.cancel(false);
    return true;
  }

  /**
   * A submitted task takes {@code tickets}, in order, up to the first that is not here (expired):
   * that one is returned; null if all were here.
   */
  String claimAll(List<String> tickets) {
    for (String ticket : tickets) {
      if (!claim(ticket)) {
        return ticket;
      }
    }
    return null;
  }

  /** {@code listener}, freeing {@code tickets} as soon as their task ends, whichever way. */
  OutcomeListener releasingAtEnd(List<String> tickets, OutcomeListener listener) {
    if (tickets.isEmpty()) {
      return listener;
    }
    return (outcome, last) -> {
      if (last) {
        tickets.forEach(this::release);
      }
      listener.onOutcome(outcome, last);
    };
  }

  /** Frees {@code ticket} if it is still here (its task ended before a daemon fetched it). */
  public void release(String ticket) {
    Parked p = parked.remove(ticket);
    if (p != null) {
      p.expiry.cancel(false);
      closeQuietly(p.reader);
    }
  }

  /** Serves {@code DoGet} (a daemon fetching) and {@code DoPut} (a remote client parking). */
  public org.apache.arrow.flight.FlightProducer producer() {
    return new Producer();
  }

  private final class Producer extends NoOpFlightProducer {
    @Override
    public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
      Parked p = parked.remove(new String(ticket.getBytes(), StandardCharsets.UTF_8));
      if (p == null) {
        listener.error(CallStatus.NOT_FOUND.withDescription("no parked stream for this ticket (fetched"
            + " already by an earlier attempt of the task, freed when its task ended, or expired)")
            .toRuntimeException());
        return;
      }
      p.expiry.cancel(false);
      try {
        writers.execute(() -> serve(p.reader, listener));
      } catch (RejectedExecutionException e) {
        closeQuietly(p.reader);
        listener.error(CallStatus.UNAVAILABLE.withDescription("the dispatcher is closing").toRuntimeException());
      }
    }

    private void serve(ArrowReader parkedReader, ServerStreamListener listener) {
      try (ArrowReader reader = parkedReader) {
        listener.setUseZeroCopy(zeroCopy);
        if (Outbound.sendBatches(reader, listener, () -> false)) {
          listener.completed();
        }
      } catch (Exception e) {
        listener.error(CallStatus.INTERNAL.withDescription("the parked stream failed: " + e.getMessage())
            .withCause(e).toRuntimeException());
      }
    }

    @Override
    public Runnable acceptPut(CallContext context, FlightStream stream, StreamListener<PutResult> ack) {
      return () -> {
        List<ArrowRecordBatch> batches = new ArrayList<>();
        try {
          FlightDescriptor descriptor = stream.getDescriptor();
          List<String> path = descriptor.isCommand() ? List.of() : descriptor.getPath();
          if (path.size() != 2 || !path.get(0).equals(PUT_PATH)) {
            throw CallStatus.INVALID_ARGUMENT.withDescription("a Kapu DoPut names [" + PUT_PATH
                + ", ticket]").toRuntimeException();
          }
          VectorSchemaRoot root = stream.getRoot();
          VectorUnloader unloader = new VectorUnloader(root);
          while (stream.next()) {
            batches.add(unloader.getRecordBatch());
          }
          park(path.get(1), new BufferedReader(allocator, root.getSchema(), batches));
          ack.onCompleted();
        } catch (Exception e) {
          batches.forEach(ArrowRecordBatch::close);
          ack.onError(e instanceof org.apache.arrow.flight.FlightRuntimeException f ? f
              : CallStatus.INTERNAL.withDescription("parking a stream failed: " + e).withCause(e).toRuntimeException());
        }
      };
    }
  }

  /** Batches a remote client uploaded, served once in order; each is freed once sent. */
  private static final class BufferedReader extends ArrowReader {
    private final Schema schema;
    private final ArrayDeque<ArrowRecordBatch> batches;

    BufferedReader(BufferAllocator allocator, Schema schema, List<ArrowRecordBatch> batches) {
      super(allocator);
      this.schema = schema;
      this.batches = new ArrayDeque<>(batches);
    }

    @Override
    public boolean loadNextBatch() throws java.io.IOException {
      prepareLoadNextBatch();
      ArrowRecordBatch batch = batches.poll();
      if (batch == null) {
        return false;
      }
      try (batch) {
        loadRecordBatch(batch);
      }
      return true;
    }

    @Override
    public long bytesRead() {
      return 0;
    }

    @Override
    protected void closeReadSource() {
      batches.forEach(ArrowRecordBatch::close);
      batches.clear();
    }

    @Override
    protected Schema readSchema() {
      return schema;
    }
  }

  private static void closeQuietly(ArrowReader reader) {
    try {
      reader.close();
    } catch (Exception e) {
      log.debug("closing a parked stream failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    writers.shutdownNow();
    List<ArrowReader> left = new ArrayList<>();
    parked.values().forEach(p -> left.add(p.reader));
    parked.clear();
    try {
      AutoCloseables.close(left);
    } catch (Exception e) {
      log.debug("closing parked streams failed: {}", e.toString());
    }
  }
}
