package dev.kapu.flight.plain;

import static dev.kapu.flight.sql.KapuFlightSqlProducer.status;

import dev.kapu.flight.Outbound;
import dev.kapu.flight.ResultStreams;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightClient.ExchangeReaderWriter;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DoExchange with the path {@code [function, argument...]}: a columnar function on the least busy
 * daemon, batches streaming both ways through this server.
 */
final class ColumnarExchange implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ColumnarExchange.class);

  private final FlightBackend backend;
  private final ResultStreams daemons;
  private final ExecutorService pumps = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kapu-exchange-upstream");
    t.setDaemon(true);
    return t;
  });

  ColumnarExchange(FlightBackend backend, ResultStreams daemons) {
    this.backend = backend;
    this.daemons = daemons;
  }

  void exchange(FlightStream reader, ServerStreamListener writer) {
    FlightDescriptor descriptor = reader.getDescriptor();
    if (descriptor.isCommand() || descriptor.getPath().isEmpty()) {
      writer.error(CallStatus.INVALID_ARGUMENT.withDescription("DoExchange runs a columnar function: its"
          + " descriptor is the path [function, argument...]").toRuntimeException());
      return;
    }
    FlightBackend.Daemon target;
    try {
      target = DaemonChoice.leastBusy(backend.daemons(), null);
    } catch (FlightRuntimeException e) {
      writer.error(e);
      return;
    }
    ExchangeReaderWriter exchange = daemons.client(target.location()).doExchange(descriptor, daemons.token());
    // The client's batches go up on a thread of their own while this one brings the answer down.
    Future<?> upstream = pumps.submit(() -> {
      try {
        VectorSchemaRoot in = reader.getRoot();
        exchange.getWriter().start(in);
        while (reader.next()) {
          exchange.getWriter().putNext();
        }
        exchange.getWriter().completed();
      } catch (RuntimeException e) {
        exchange.getWriter().error(CallStatus.CANCELLED.withDescription("the client's stream failed: "
            + e.getMessage()).toRuntimeException());
      }
    });
    try {
      FlightStream answer = exchange.getReader();
      writer.start(answer.getRoot());
      while (answer.next()) {
        if (!Outbound.awaitReady(writer)) {
          answer.cancel("the client went away", null);
          return;
        }
        writer.putNext();
      }
      writer.completed();
    } catch (RuntimeException e) {
      writer.error(status(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      writer.error(CallStatus.CANCELLED.withDescription("the server is stopping").toRuntimeException());
    } finally {
      try {
        upstream.get(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        upstream.cancel(true);
      }
      try {
        exchange.close();
      } catch (Exception e) {
        log.debug("closing an exchange with daemon {}: {}", target.id(), e.toString());
      }
    }
  }

  @Override
  public void close() {
    pumps.shutdownNow();
  }
}
