package dev.kapu.flight;

import dev.kapu.flight.internal.FlightStreamReader;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Fetches result streams that tasks parked on daemons' own Flight endpoints: {@code DoGet} with a
 * one-time ticket, straight from the daemon. One Flight client per daemon, reused.
 */
public final class ResultStreams implements AutoCloseable {
  /** The header that carries the session's token on daemon streams. */
  public static final String TOKEN_HEADER = "kapu-token";

  private final BufferAllocator allocator;
  private final String token;
  private final Map<String, FlightClient> clients = new ConcurrentHashMap<>();

  public ResultStreams(BufferAllocator allocator, String token) {
    this.allocator = allocator;
    this.token = token;
  }

  /** Opens the stream; batches arrive as the reader is read. */
  public ArrowReader open(String location, byte[] ticket) {
    FlightClient client = clients.computeIfAbsent(location,
        l -> FlightClient.builder(allocator, new Location(URI.create(l))).build());
    FlightCallHeaders headers = new FlightCallHeaders();
    headers.insert(TOKEN_HEADER, token);
    FlightStream stream = client.getStream(new Ticket(ticket), new HeaderCallOption(headers));
    return new FlightStreamReader(stream);
  }

  @Override
  public void close() throws Exception {
    AutoCloseables.close(clients.values());
    clients.clear();
  }
}
