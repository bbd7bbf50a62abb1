package dev.kapu.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBResultSet;

/**
 * The transport's own ceiling for {@code kapu.query}: a plain Flight server in another JVM that
 * answers {@code DoGet} with DuckDB's Arrow export of a query, and nothing of Kapu around it.
 */
final class FlightDoGetPeer {
  private FlightDoGetPeer() {}

  /** {@code args}: the DuckDB file and the SQL. Prints {@code READY <port>}. */
  public static void main(String[] args) throws Exception {
    ChildJvm.exitWithParent();
    String file = args[0];
    String sql = args[1];
    BufferAllocator allocator = new RootAllocator();
    Properties streamResults = new Properties();
    streamResults.setProperty("jdbc_stream_results", "true");
    FlightServer server = FlightServer.builder(allocator, Location.forGrpcInsecure("127.0.0.1", 0),
        new NoOpFlightProducer() {
          @Override
          public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
            // DuckDB produces as the stream is read, as a Kapu daemon's DuckDB does by default
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, streamResults);
                PreparedStatement s = c.prepareStatement(sql);
                DuckDBResultSet rs = (DuckDBResultSet) s.executeQuery();
                ArrowReader reader = (ArrowReader) rs.arrowExportStream(allocator, 65536)) {
              listener.start(reader.getVectorSchemaRoot());
              while (reader.loadNextBatch()) {
                listener.putNext();
              }
              listener.completed();
            } catch (Exception e) {
              listener.error(e);
            }
          }
        }).build().start();
    System.out.println("READY " + server.getPort());
    server.awaitTermination();
  }

  /** Starts the peer and reads the query's result through it, as {@code table} measures. */
  static Reading read(Path file, String sql, BenchTable table) throws Exception {
    try (ChildJvm child = ChildJvm.start(FlightDoGetPeer.class, List.of(), List.of(file.toString(), sql),
            Duration.ofSeconds(60));
        BufferAllocator allocator = new RootAllocator();
        FlightClient client = FlightClient.builder(allocator,
            Location.forGrpcInsecure("127.0.0.1", Integer.parseInt(child.readyText().trim()))).build()) {
      return table.measure(() -> {
        long t0 = System.nanoTime();
        try (FlightStream stream = client.getStream(new Ticket(new byte[] {1}))) {
          return Reading.drain(stream.getRoot(), stream::next, t0);
        }
      });
    }
  }
}
