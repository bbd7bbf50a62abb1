package dev.kapu.flight;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.flight.CancelFlightInfoRequest;
import org.apache.arrow.flight.CancelStatus;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.grpc.NettyClientBuilder;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Fetches result streams that tasks parked on daemons' own Flight endpoints: {@code DoGet} with a
 * one-time ticket, straight from the daemon. One Flight client per daemon, reused; {@link
 * #client} and {@link #token} serve the other calls a daemon answers (its tables, uploads,
 * columnar functions). gRPC keepalive watches each connection, so a stream from a daemon that stops
 * answering (frozen, cut off) fails instead of hanging its reader.
 */
public final class ResultStreams implements AutoCloseable {
  /** The header that carries the session's token on daemon streams. */
  public static final String TOKEN_HEADER = "kapu-token";

  private final BufferAllocator allocator;
  private final String token;
  private final Liveness liveness;
  private final Map<String, FlightClient> clients = new ConcurrentHashMap<>();

  public ResultStreams(BufferAllocator allocator, String token) {
    this(allocator, token, Liveness.DEFAULT);
  }

  /** @param liveness how soon a daemon that stops answering fails the calls waiting on it */
  public ResultStreams(BufferAllocator allocator, String token, Liveness liveness) {
    this.allocator = allocator;
    this.token = token;
    this.liveness = liveness;
  }

  /** Opens the stream; batches arrive as the reader is read. */
  public ArrowReader open(String location, byte[] ticket) {
    FlightStream stream = client(location).getStream(new Ticket(ticket), token());
    return new FlightStreamReader(stream, true);
  }

  /**
   * Stops a result on its daemon ({@code CancelFlightInfo} naming the ticket): a parked one is
   * dropped, a streaming one ends at its next batch with CANCELLED. True if there was one to stop.
   */
  public boolean cancel(String location, byte[] ticket) {
    FlightInfo info = new FlightInfo(new Schema(List.of()), FlightDescriptor.command(new byte[0]),
        List.of(new FlightEndpoint(new Ticket(ticket))), -1, -1);
    CancelStatus status = client(location).cancelFlightInfo(new CancelFlightInfoRequest(info), token()).getStatus();
    return status == CancelStatus.CANCELLED || status == CancelStatus.CANCELLING;
  }

  /** The Flight client for the daemon endpoint at {@code location}; calls on it need {@link #token}. */
  public FlightClient client(String location) {
    return clients.computeIfAbsent(location,
        l -> FlightClients.open(new NettyClientBuilder(allocator, new Location(URI.create(l))), liveness));
  }

  /** The call option that presents the session's token to daemon endpoints. */
  public CallOption token() {
    FlightCallHeaders headers = new FlightCallHeaders();
    headers.insert(TOKEN_HEADER, token);
    return new HeaderCallOption(headers);
  }

  @Override
  public void close() throws Exception {
    AutoCloseables.close(clients.values());
    clients.clear();
  }
}
