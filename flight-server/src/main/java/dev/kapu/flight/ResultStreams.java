package dev.kapu.flight;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.flight.CancelFlightInfoRequest;
import org.apache.arrow.flight.CancelStatus;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

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
    FlightStream stream = client(location).getStream(new Ticket(ticket), tokenHeader());
    return new StreamReader(stream);
  }

  /**
   * Stops a result on its daemon ({@code CancelFlightInfo} naming the ticket): a parked one is
   * dropped, a streaming one ends at its next batch with CANCELLED. True if there was one to stop.
   */
  public boolean cancel(String location, byte[] ticket) {
    FlightInfo info = new FlightInfo(new Schema(List.of()), FlightDescriptor.command(new byte[0]),
        List.of(new FlightEndpoint(new Ticket(ticket))), -1, -1);
    CancelStatus status = client(location).cancelFlightInfo(new CancelFlightInfoRequest(info), tokenHeader()).getStatus();
    return status == CancelStatus.CANCELLED || status == CancelStatus.CANCELLING;
  }

  private FlightClient client(String location) {
    return clients.computeIfAbsent(location, l -> FlightClient.builder(allocator, new Location(URI.create(l))).build());
  }

  private HeaderCallOption tokenHeader() {
    FlightCallHeaders headers = new FlightCallHeaders();
    headers.insert(TOKEN_HEADER, token);
    return new HeaderCallOption(headers);
  }

  /** A Flight stream seen as an {@link ArrowReader}; the root is the stream's own. */
  private static final class StreamReader extends ArrowReader {
    private final FlightStream stream;

    StreamReader(FlightStream stream) {
      super(null); // batches load into the stream's root, not one of ours
      this.stream = stream;
    }

    @Override
    public VectorSchemaRoot getVectorSchemaRoot() {
      return stream.getRoot();
    }

    @Override
    public boolean loadNextBatch() {
      return stream.next();
    }

    @Override
    public long bytesRead() {
      return 0;
    }

    @Override
    protected void closeReadSource() throws IOException {
      try {
        stream.close();
      } catch (Exception e) {
        throw new IOException(e);
      }
    }

    @Override
    protected Schema readSchema() {
      return stream.getSchema();
    }
  }

  @Override
  public void close() throws Exception {
    AutoCloseables.close(clients.values());
    clients.clear();
  }
}
