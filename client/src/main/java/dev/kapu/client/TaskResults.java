package dev.kapu.client;

import dev.kapu.api.ConnectionLostException;
import dev.kapu.api.DaemonLostException;
import dev.kapu.api.KapuException;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.StreamTicket;
import dev.kapu.api.TaskTimeoutException;
import dev.kapu.api.UnknownResourceException;
import dev.kapu.flight.ByteStreams;
import dev.kapu.flight.ResultStreams;
import dev.kapu.flight.TaskOutcome;
import dev.kapu.serial.CodecException;
import dev.kapu.serial.CodecRegistry;
import dev.kapu.serial.ParkedEnvelope;
import dev.kapu.serial.ResultEnvelope;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.util.TransferPair;

/**
 * A session's task outcomes turned into what their callers get: values decoded with the session's
 * codecs, results parked on daemons fetched from them, Arrow results opened as readers, and errors
 * as Kapu's exceptions.
 */
final class TaskResults {
  private final CodecRegistry codecs;
  private final ResultStreams streams;
  private final BufferAllocator allocator;
  /** Where large results are fetched and whole roots read, off the network thread that heard the outcome. */
  private final Executor transfers;

  TaskResults(CodecRegistry codecs, ResultStreams streams, BufferAllocator allocator, Executor transfers) {
    this.codecs = codecs;
    this.streams = streams;
    this.allocator = allocator;
    this.transfers = transfers;
  }

  /**
   * Completes {@code future} with the result {@code outcome} carries: its value, decoded here if it
   * came inline and fetched from its daemon on a transfer thread if parked there; a reader over an
   * Arrow result's stream; or the task's error.
   */
  <T> void settle(CompletableFuture<T> future, TaskOutcome outcome) {
    if (outcome.kind() != TaskOutcome.Kind.SUCCEEDED && outcome.kind() != TaskOutcome.Kind.FAILED) {
      future.completeExceptionally(error(outcome));
      return;
    }
    List<ResultEnvelope.Entry> inline;
    try {
      inline = inlineResults(outcome);
    } catch (RuntimeException e) {
      future.completeExceptionally(e); // this side could not decode the result: the codec says why
      return;
    }
    if (inline != null) { // most results: decoded here, without a future of their own
      settle(future, inline);
      return;
    }
    results(outcome).whenComplete((decoded, failure) -> {
      if (failure != null) {
        future.completeExceptionally(unwrap(failure));
      } else {
        settle(future, decoded.entries());
      }
    });
  }

  @SuppressWarnings("unchecked")
  private <T> void settle(CompletableFuture<T> future, List<ResultEnvelope.Entry> entries) {
    ResultEnvelope.Entry entry = entries.get(0);
    if (entry.failed()) {
      future.completeExceptionally(new RemoteTaskException(entry.error()));
    } else if (entry.value() instanceof StreamTicket arrow) {
      // An Arrow result streams from the daemon; reading a whole root must not hold up this
      // network thread, a reader is only opened.
      if (arrow.root()) {
        CompletableFuture.runAsync(() -> completeWith(future, arrow), transfers);
      } else {
        completeWith(future, arrow);
      }
    } else {
      future.complete((T) entry.value());
    }
  }

  /** The entries of a result that came inline, decoded; null if it was parked at the daemon. */
  private List<ResultEnvelope.Entry> inlineResults(TaskOutcome outcome) {
    return ParkedEnvelope.of(outcome.payload()) == null ? ResultEnvelope.decode(codecs, outcome.payload()) : null;
  }

  /**
   * The entries of a task's result: decoded at once if they came inline, else fetched as a stream
   * from the daemon that parked them and decoded as they arrive, on a transfer thread.
   */
  CompletableFuture<ResultEnvelope.Decoded> results(TaskOutcome outcome) {
    ParkedEnvelope parked;
    try {
      parked = ParkedEnvelope.of(outcome.payload());
      if (parked == null) {
        return CompletableFuture.completedFuture(ResultEnvelope.decodeAll(codecs, outcome.payload()));
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    try {
      return CompletableFuture.supplyAsync(() -> fetchResults(parked, outcome.daemonId()), transfers);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new IllegalStateException("this Kapu session is closed"));
    }
  }

  private ResultEnvelope.Decoded fetchResults(ParkedEnvelope parked, String daemonId) {
    try (InputStream in = ByteStreams.input(streams.open(parked.location(), parked.ticket()))) {
      return ResultEnvelope.decodeAll(codecs, in);
    } catch (IOException | RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof FlightRuntimeException f && f.status().code() == FlightStatusCode.UNAVAILABLE) {
          throw new DaemonLostException("daemon " + daemonId + " was lost while its result streamed from "
              + parked.location() + ": " + f.getMessage(), daemonId);
        }
      }
      if (e instanceof CodecException c) {
        throw c;
      }
      throw new KapuException("could not fetch the task's result from " + parked.location() + ": "
          + e.getMessage(), e);
    }
  }

  static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  /** The exception for an outcome that carries no result. */
  static Throwable error(TaskOutcome outcome) {
    return switch (outcome.kind()) {
      case CANCELLED -> new CancellationException(outcome.message());
      case TIMED_OUT -> new TaskTimeoutException("task timed out on daemon " + outcome.daemonId()
          + ": " + outcome.message());
      case DAEMON_LOST -> new DaemonLostException(outcome.message(), outcome.daemonId());
      case CONNECTION_LOST -> new ConnectionLostException(outcome.message());
      case UNROUTABLE -> new UnknownResourceException(outcome.message());
      default -> new KapuException("unexpected outcome " + outcome.kind() + ": " + outcome.message());
    };
  }

  @SuppressWarnings("unchecked")
  private <T> void completeWith(CompletableFuture<T> future, StreamTicket arrow) {
    try {
      future.complete((T) fetch(arrow));
    } catch (IOException | RuntimeException e) {
      future.completeExceptionally(new KapuException("could not stream the task's Arrow result from "
          + arrow.location() + ": " + e.getMessage(), e));
    }
  }

  /** A reader over the daemon's stream, or for a root result, the root it holds (buffers moved, not copied). */
  private Object fetch(StreamTicket arrow) throws IOException {
    ArrowReader reader = streams.open(arrow.location(), arrow.ticket());
    if (!arrow.root()) {
      return reader;
    }
    try (reader) {
      VectorSchemaRoot source = reader.getVectorSchemaRoot();
      reader.loadNextBatch();
      List<FieldVector> vectors = new ArrayList<>();
      for (FieldVector v : source.getFieldVectors()) {
        TransferPair move = v.getTransferPair(allocator);
        move.transfer();
        vectors.add((FieldVector) move.getTo());
      }
      return new VectorSchemaRoot(source.getSchema().getFields(), vectors, source.getRowCount());
    }
  }
}
