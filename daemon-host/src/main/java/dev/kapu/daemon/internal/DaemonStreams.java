package dev.kapu.daemon.internal;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's own Flight endpoint. A task parks a result stream here under a one-time ticket;
 * the client fetches it with {@code DoGet} straight from this daemon, batch by batch, without the
 * dispatcher in the way. Tickets not fetched within the expiry are closed.
 */
public final class DaemonStreams implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DaemonStreams.class);
  public static final String TOKEN_HEADER = "kapu-token";

  private final Map<String, ArrowReader> parked = new ConcurrentHashMap<>();
  private final FlightServer server;
  private final String url;
  private final ScheduledExecutorService timer;
  private final long expiryMillis;
  private static final long STALL_MILLIS = 120_000;

  public DaemonStreams(BufferAllocator allocator, String host, String token,
      ScheduledExecutorService timer, long expiryMillis) throws java.io.IOException {
    this.timer = timer;
    this.expiryMillis = expiryMillis;
    this.server = FlightServer.builder(allocator, Location.forGrpcInsecure(host, 0), new Producer())
        .headerAuthenticator(new TokenAuthenticator(token))
        .build()
        .start();
    this.url = "grpc://" + host + ":" + server.getPort();
  }

  /** Where clients fetch parked streams. */
  public String url() {
    return url;
  }

  /** Parks {@code reader}; the returned ticket fetches it once. */
  public byte[] park(ArrowReader reader) {
    String id = UUID.randomUUID().toString();
    parked.put(id, reader);
    timer.schedule(() -> {
      ArrowReader unclaimed = parked.remove(id);
      if (unclaimed != null) {
        log.warn("closing a result stream nobody fetched within {} ms", expiryMillis);
        closeQuietly(unclaimed);
      }
    }, expiryMillis, TimeUnit.MILLISECONDS);
    return id.getBytes(StandardCharsets.UTF_8);
  }

  private static void closeQuietly(ArrowReader reader) {
    try {
      reader.close();
    } catch (Exception e) {
      log.debug("closing a result stream failed: {}", e.toString());
    }
  }

  private final class Producer extends NoOpFlightProducer {
    @Override
    public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
      String id = new String(ticket.getBytes(), StandardCharsets.UTF_8);
      ArrowReader reader = parked.remove(id);
      if (reader == null) {
        listener.error(CallStatus.NOT_FOUND
            .withDescription("no result stream for this ticket on this daemon (fetched already, expired,"
                + " or never issued)")
            .toRuntimeException());
        return;
      }
      try (ArrowReader ahead = ReadAheadReader.start(reader, 2)) { // DuckDB exports while we send
        listener.setUseZeroCopy(true); // safe: each batch of a ReadAheadReader has buffers of its own
        listener.start(ahead.getVectorSchemaRoot());
        while (ahead.loadNextBatch()) {
          if (!awaitReady(listener)) {
            return;
          }
          listener.putNext();
        }
        listener.completed();
      } catch (Exception e) {
        listener.error(CallStatus.INTERNAL.withDescription("the result stream failed: " + e.getMessage())
            .withCause(e).toRuntimeException());
      }
    }
  }

  /**
   * A slow client holds the producer back instead of filling this daemon's memory. The
   * transport's readiness is polled: Flight's callback-based strategy was seen to miss its
   * wake-up here and stall a stream until its timeout.
   */
  private static boolean awaitReady(ServerStreamListener listener) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS);
    long pause = 10_000; // ns; backs off to 1 ms
    while (!listener.isReady()) {
      if (listener.isCancelled()) {
        return false;
      }
      if (System.nanoTime() > deadline) {
        listener.error(CallStatus.TIMED_OUT.withDescription("the client stopped reading").toRuntimeException());
        return false;
      }
      TimeUnit.NANOSECONDS.sleep(pause);
      pause = Math.min(pause * 2, 1_000_000);
    }
    return !listener.isCancelled();
  }

  /** Accepts calls that carry the session's token; others get UNAUTHENTICATED. */
  private static final class TokenAuthenticator implements CallHeaderAuthenticator {
    private final byte[] token;

    TokenAuthenticator(String token) {
      this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public AuthResult authenticate(CallHeaders headers) {
      String presented = headers.get(TOKEN_HEADER);
      if (presented == null
          || !java.security.MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
        throw CallStatus.UNAUTHENTICATED.withDescription("the Kapu token was refused").toRuntimeException();
      }
      return () -> "kapu";
    }
  }

  @Override
  public void close() throws InterruptedException {
    parked.values().forEach(DaemonStreams::closeQuietly);
    parked.clear();
    server.shutdown();
    if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
      server.close();
    }
  }
}
