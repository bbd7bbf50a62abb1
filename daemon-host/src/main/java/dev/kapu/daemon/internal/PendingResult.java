package dev.kapu.daemon.internal;

import dev.kapu.daemon.spi.TaskScope;
import dev.kapu.flight.ForwardingReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A result waiting on the daemon's endpoint for its {@code DoGet}: ready (a task's reader), or a
 * query still opening on a thread of the daemon's. A Flight SQL client gets its ticket before the
 * query produces anything, so that a cancel ({@code CancelFlightInfo}, the client dropping its
 * {@code DoGet}, a query timeout) reaches the database while it still works towards the first
 * batch: {@link #stop()} runs what the query registered ({@link TaskScope#onStop}: DuckDB's
 * interrupt, PostgreSQL's cancel), while it opens and while its result streams.
 *
 * <p>Whoever takes it out of the endpoint's table owns it: the {@code DoGet} that streams it
 * ({@link #await()}, then closes the reader), or a cancel or the expiry ({@link #discard()}).
 */
public final class PendingResult implements TaskScope {
  private static final Logger log = LoggerFactory.getLogger(PendingResult.class);

  /** Opens the query; what stops it is registered with the scope. */
  @FunctionalInterface
  public interface Opening {
    ArrowReader open(TaskScope scope) throws Exception;
  }

  private final CompletableFuture<ArrowReader> reader = new CompletableFuture<>();
  private final StopActions stops = new StopActions();
  private final List<AutoCloseable> closeAtEnd = Collections.synchronizedList(new ArrayList<>());
  private final Function<Throwable, FlightRuntimeException> failure;
  private final Schema announced;

  private PendingResult(Function<Throwable, FlightRuntimeException> failure, Schema announced) {
    this.failure = failure;
    this.announced = announced;
  }

  /** A result that is there already (it cannot fail to open). */
  public static PendingResult ready(ArrowReader reader) {
    PendingResult result = new PendingResult(e -> CallStatus.INTERNAL.withCause(e).toRuntimeException(), null);
    result.reader.complete(reader);
    return result;
  }

  /**
   * Starts opening a query on {@code executor}.
   *
   * @param failure the status a client gets for the query's failure (not for a stop: CANCELLED)
   * @param announced the schema its client was told the result has; null if none
   */
  public static PendingResult open(Executor executor, Opening opening,
      Function<Throwable, FlightRuntimeException> failure, Schema announced) {
    PendingResult result = new PendingResult(failure, announced);
    try {
      executor.execute(() -> result.run(opening));
    } catch (RejectedExecutionException e) {
      result.reader.completeExceptionally(new IllegalStateException("the daemon is closing"));
    }
    return result;
  }

  private void run(Opening opening) {
    if (stops.stopped()) {
      reader.completeExceptionally(new CancellationException("stopped before it started"));
      return;
    }
    try {
      ArrowReader opened = new ScopedReader(opening.open(this));
      if (!reader.complete(opened)) {
        closeQuietly(opened);
      }
    } catch (Throwable e) {
      stops.end();
      closeLeftovers();
      reader.completeExceptionally(e);
    }
  }

  /**
   * The schema the result was announced with, which a fetch may send before the result exists;
   * null if none.
   */
  public Schema announced() {
    return announced;
  }

  @Override
  public void closeAtEnd(AutoCloseable resource) {
    closeAtEnd.add(resource);
  }

  @Override
  public void onStop(StopAction action) {
    stops.add(action);
  }

  /** Stops the database's work for this result, whether it still opens or streams; safe at any time. */
  public void stop() {
    stops.stop();
  }

  /**
   * Waits for the result to open and hands it over: the caller reads and closes it.
   *
   * @throws FlightRuntimeException CANCELLED if it was stopped, else the status of its failure
   */
  public ArrowReader await() throws InterruptedException {
    try {
      return reader.get();
    } catch (ExecutionException e) {
      if (stops.stopped()) {
        throw CallStatus.CANCELLED.withDescription("its query was cancelled").toRuntimeException();
      }
      throw failure.apply(e.getCause());
    }
  }

  /** Nobody will read it: stops its work and closes it once it has opened. */
  public void discard() {
    stop();
    reader.whenComplete((opened, failed) -> {
      if (opened != null) {
        closeQuietly(opened);
      }
    });
  }

  /** What the query registered to close at its end, last first. */
  private void closeLeftovers() {
    List<AutoCloseable> lastFirst;
    synchronized (closeAtEnd) {
      lastFirst = new ArrayList<>(closeAtEnd);
      closeAtEnd.clear();
    }
    Collections.reverse(lastFirst);
    try {
      AutoCloseables.close(lastFirst);
    } catch (Exception e) {
      log.warn("closing what a query left failed: {}", e.toString());
    }
  }

  private static void closeQuietly(ArrowReader reader) {
    try {
      reader.close();
    } catch (Exception e) {
      log.debug("closing a result failed: {}", e.toString());
    }
  }

  /** The query's reader; closing it ends the scope first, so no stop reaches what it gives back. */
  private final class ScopedReader extends ForwardingReader {
    ScopedReader(ArrowReader source) {
      super(source);
    }

    @Override
    protected void closeReadSource() throws IOException {
      stops.end();
      try {
        super.closeReadSource();
      } finally {
        closeLeftovers();
      }
    }
  }
}
