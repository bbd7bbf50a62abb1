package dev.kapu.flight.plain;

import static dev.kapu.flight.sql.KapuFlightSqlProducer.status;

import dev.kapu.flight.Outbound;
import dev.kapu.flight.ResultStreams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightClient.ClientStreamListener;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightProducer.StreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * A DoPut passed on to a daemon: the client's batches go on as they arrive (nothing is held here,
 * and nothing is copied), no faster than the daemon takes them, and the daemon's answer comes
 * back. If the client's stream fails or is cut, the daemon's is cancelled, so it keeps nothing.
 */
final class PutRelay {
  private final ResultStreams daemons;
  private final BufferAllocator allocator;

  PutRelay(ResultStreams daemons, BufferAllocator allocator) {
    this.daemons = daemons;
    this.allocator = allocator;
  }

  void relay(FlightBackend.Daemon target, FlightDescriptor descriptor, FlightStream stream,
      StreamListener<PutResult> ack) {
    VectorSchemaRoot root = stream.getRoot(); // waits for the client's schema
    Answers answers = new Answers();
    FlightClient client = daemons.client(target.location());
    ClientStreamListener put = client.startPut(descriptor, root, answers, daemons.token());
    // Each message from the client arrives in buffers of its own, which the next one replaces
    // rather than overwrites, so the daemon's stream may send them as they are, without a copy.
    put.setUseZeroCopy(true);
    while (nextFromClient(stream, put) && awaitDaemon(target, put, answers)) {
      put.putNext();
    }
    put.completed();
    try {
      put.getResult(); // the daemon's error, if it refused or failed
    } catch (FlightRuntimeException failed) {
      throw failed.status().code() == FlightStatusCode.UNAVAILABLE ? unreachable(target, failed) : failed;
    }
    for (byte[] metadata : answers.metadata) {
      try (ArrowBuf buffer = allocator.buffer(metadata.length)) {
        buffer.writeBytes(metadata);
        ack.onNext(PutResult.metadata(buffer));
      }
    }
    ack.onCompleted();
  }

  /** The client's next batch; if its stream fails or is cut, the daemon's is cancelled. */
  private static boolean nextFromClient(FlightStream stream, ClientStreamListener put) {
    try {
      return stream.next();
    } catch (RuntimeException cut) {
      put.error(CallStatus.CANCELLED.withDescription("the client's upload stream failed: " + cut.getMessage())
          .toRuntimeException());
      throw cut;
    }
  }

  /**
   * Waits until the daemon's stream takes another batch: true then, false if the daemon has
   * answered already (refused or failed: its answer says why). Flight's own wait in {@code putNext}
   * spins a core for as long as the daemon is behind, a core {@code kapu serve} and the daemon
   * need to move the upload.
   */
  private static boolean awaitDaemon(FlightBackend.Daemon target, ClientStreamListener put, Answers answers) {
    try {
      if (Outbound.awaitReady(put, () -> answers.done)) {
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      put.error(CallStatus.CANCELLED.withDescription("kapu serve is stopping").toRuntimeException());
      throw CallStatus.CANCELLED.withDescription("kapu serve is stopping; the upload was not stored")
          .toRuntimeException();
    }
    if (answers.done) {
      return false;
    }
    put.error(CallStatus.TIMED_OUT.withDescription("the daemon stopped reading the upload").toRuntimeException());
    throw CallStatus.UNAVAILABLE.withDescription("daemon " + target.id() + " took nothing of the upload for "
        + Outbound.STALL_MILLIS / 1000 + " s; the upload was not stored").toRuntimeException();
  }

  /** The daemon's connection failed under the upload (a frozen or dead daemon, a cut link). */
  private static FlightRuntimeException unreachable(FlightBackend.Daemon target, FlightRuntimeException failed) {
    return CallStatus.UNAVAILABLE.withDescription("daemon " + target.id() + " stopped answering during the upload ("
        + failed.status().description() + "); nothing was stored: upload the table again").toRuntimeException();
  }

  /** What the daemon answers a DoPut with; once done, the relay stops sending. */
  private static final class Answers implements FlightClient.PutListener {
    final List<byte[]> metadata = new ArrayList<>();
    final CompletableFuture<Void> result = new CompletableFuture<>();
    volatile boolean done;

    @Override
    public void onNext(PutResult value) {
      ArrowBuf buffer = value.getApplicationMetadata();
      if (buffer != null) {
        byte[] bytes = new byte[(int) buffer.readableBytes()];
        buffer.getBytes(buffer.readerIndex(), bytes);
        synchronized (metadata) {
          metadata.add(bytes);
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      done = true;
      result.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done = true;
      result.complete(null);
    }

    @Override
    public void getResult() {
      try {
        result.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CallStatus.CANCELLED.withDescription("interrupted").toRuntimeException();
      } catch (ExecutionException e) {
        throw status(e.getCause());
      }
    }

    @Override
    public boolean isCancelled() {
      return done;
    }
  }
}
