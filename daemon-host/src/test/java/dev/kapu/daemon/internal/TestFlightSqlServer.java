package dev.kapu.daemon.internal;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.NoOpFlightSqlProducer;
import org.apache.arrow.flight.sql.impl.FlightSql;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;

/**
 * The least Flight SQL server the ADBC Flight SQL driver can query: statements (no prepared
 * statements, no metadata) answered by an in-memory DuckDB through its Arrow export.
 */
final class TestFlightSqlServer implements AutoCloseable {
  private final DuckDBConnection duckdb;
  private final BufferAllocator allocator;
  private final FlightServer server;

  TestFlightSqlServer(BufferAllocator parent) throws Exception {
    this.allocator = parent.newChildAllocator("flight-sql-server", 0, Long.MAX_VALUE);
    this.duckdb = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
    this.server = FlightServer.builder(allocator, Location.forGrpcInsecure("127.0.0.1", 0), new Producer()).build();
    server.start();
  }

  String uri() {
    return "grpc://127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() throws Exception {
    server.shutdown();
    server.awaitTermination();
    server.close();
    duckdb.close();
    allocator.close();
  }

  private final class Producer extends NoOpFlightSqlProducer {
    @Override
    public FlightInfo getFlightInfoStatement(FlightSql.CommandStatementQuery command, CallContext context,
        FlightDescriptor descriptor) {
      Schema schema = run(command.getQuery(), root -> {});
      FlightSql.TicketStatementQuery ticket = FlightSql.TicketStatementQuery.newBuilder()
          .setStatementHandle(ByteString.copyFrom(command.getQuery(), StandardCharsets.UTF_8)).build();
      return new FlightInfo(schema, descriptor, List.of(new FlightEndpoint(new Ticket(Any.pack(ticket).toByteArray()))),
          -1, -1);
    }

    @Override
    public void getStreamStatement(FlightSql.TicketStatementQuery ticket, CallContext context,
        ServerStreamListener listener) {
      try {
        run(ticket.getStatementHandle().toStringUtf8(), reader -> {
          listener.start(reader.getVectorSchemaRoot());
          while (reader.loadNextBatch()) {
            listener.putNext();
          }
          listener.completed();
        });
      } catch (RuntimeException e) {
        listener.error(e);
      }
    }

    private Schema run(String sql, ReaderConsumer consumer) {
      try (java.sql.Connection connection = duckdb.duplicate();
          PreparedStatement statement = connection.prepareStatement(sql);
          DuckDBResultSet result = (DuckDBResultSet) statement.executeQuery();
          ArrowReader reader = (ArrowReader) result.arrowExportStream(allocator, 1024)) {
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        consumer.accept(reader);
        return root.getSchema();
      } catch (Exception e) {
        throw CallStatus.INVALID_ARGUMENT.withDescription(e.getMessage()).withCause(e).toRuntimeException();
      }
    }
  }

  @FunctionalInterface
  private interface ReaderConsumer {
    void accept(ArrowReader reader) throws Exception;
  }
}
