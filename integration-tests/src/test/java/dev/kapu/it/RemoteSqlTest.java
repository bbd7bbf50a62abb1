package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.kapu.client.RemoteSql;
import dev.kapu.flight.Outbound;
import dev.kapu.flight.sql.FlightSqlAuth;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.NoOpFlightSqlProducer;
import org.apache.arrow.flight.sql.impl.FlightSql;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBResultSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RemoteSql} reads a result whose endpoints live in different places, as a Flight SQL
 * server that hands out worker locations returns it: one endpoint from the server itself, one
 * from a data server that wants its own handshake, and one whose first location is unreachable.
 * Both servers are real Flight servers with basic auth, answering from DuckDB; each endpoint's
 * stream brings its own dictionaries for encoded (ENUM) columns.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemoteSqlTest {
  static final String USER = "analyst";
  static final String PASSWORD = "pw";

  BufferAllocator allocator;
  FlightServer sqlServer;
  FlightServer dataServer;
  Location data;
  Location unreachable;

  @BeforeEach
  void start() throws Exception {
    allocator = new RootAllocator();
    dataServer = FlightServer.builder(allocator, Location.forGrpcInsecure("127.0.0.1", 0), new NoOpFlightProducer() {
      @Override
      public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
        serve(new String(ticket.getBytes(), StandardCharsets.UTF_8), listener);
      }
    }).headerAuthenticator(FlightSqlAuth.basic(USER, PASSWORD)).build().start();
    data = Location.forGrpcInsecure("127.0.0.1", dataServer.getPort());
    try (ServerSocket free = new ServerSocket(0)) {
      unreachable = Location.forGrpcInsecure("127.0.0.1", free.getLocalPort());
    }
    sqlServer = FlightServer.builder(allocator, Location.forGrpcInsecure("127.0.0.1", 0), new SplitProducer())
        .headerAuthenticator(FlightSqlAuth.basic(USER, PASSWORD)).build().start();
  }

  @AfterEach
  void stop() throws Exception {
    sqlServer.close();
    dataServer.close();
    allocator.close();
  }

  /** Rows [from, to) of a range, as DuckDB exports them. */
  static String range(long from, long to) {
    return "SELECT range AS id FROM range(" + from + ", " + to + ")";
  }

  void serve(String sql, org.apache.arrow.flight.FlightProducer.ServerStreamListener listener) {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        PreparedStatement s = c.prepareStatement(sql);
        DuckDBResultSet rs = (DuckDBResultSet) s.executeQuery();
        ArrowReader reader = (ArrowReader) rs.arrowExportStream(allocator, 256)) {
      if (Outbound.sendBatches(reader, listener, () -> false)) { // with the dictionaries, if any
        listener.completed();
      }
    } catch (Exception e) {
      listener.error(e);
    }
  }

  /** What the three endpoints serve. */
  List<String> parts = List.of(range(0, 1000), range(1000, 3000), range(3000, 3500));

  /**
   * Any statement's result: the first of {@link #parts} here, the second at the data server, the
   * third at the second of two locations.
   */
  final class SplitProducer extends NoOpFlightSqlProducer {
    @Override
    public FlightInfo getFlightInfoStatement(FlightSql.CommandStatementQuery command, CallContext context,
        FlightDescriptor descriptor) {
      Ticket here = new Ticket(Any.pack(FlightSql.TicketStatementQuery.newBuilder()
          .setStatementHandle(ByteString.copyFromUtf8(parts.get(0))).build()).toByteArray());
      List<FlightEndpoint> endpoints = List.of(
          new FlightEndpoint(here),
          new FlightEndpoint(new Ticket(parts.get(1).getBytes(StandardCharsets.UTF_8)), data),
          new FlightEndpoint(new Ticket(parts.get(2).getBytes(StandardCharsets.UTF_8)), unreachable, data));
      return new FlightInfo(null, descriptor, endpoints, -1, -1);
    }

    @Override
    public void getStreamStatement(FlightSql.TicketStatementQuery ticket, CallContext context,
        ServerStreamListener listener) {
      serve(ticket.getStatementHandle().toStringUtf8(), listener);
    }
  }

  @Test
  void readsEveryEndpointFromWhereItLives() throws Exception {
    long expected = 0;
    try (RemoteSql remote = RemoteSql.connect(URI.create("grpc://127.0.0.1:" + sqlServer.getPort()), USER, PASSWORD,
            null, allocator);
        ArrowReader reader = remote.query("SELECT anything")) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      assertThat(root.getSchema().getFields()).extracting(f -> f.getName()).containsExactly("id");
      while (reader.loadNextBatch()) {
        BigIntVector ids = (BigIntVector) root.getVector(0);
        for (int i = 0; i < root.getRowCount(); i++) {
          assertThat(ids.get(i)).isEqualTo(expected++);
        }
      }
    }
    assertThat(expected).isEqualTo(3500);
    assertAllFreed();
  }

  /** Rows [from, to) and their parity, an ENUM whose values are listed in the order given. */
  static String parities(long from, long to, String enumValues) {
    return "SELECT range AS id, CASE WHEN range % 2 = 0 THEN 'even' ELSE 'odd' END::ENUM(" + enumValues
        + ") AS parity FROM range(" + from + ", " + to + ")";
  }

  @Test
  void eachEndpointBringsItsOwnDictionaries() throws Exception {
    parts = List.of(parities(0, 1000, "'even', 'odd'"), parities(1000, 3000, "'odd', 'even'"),
        parities(3000, 3500, "'none', 'odd', 'even'"));
    long rows = 0;
    try (RemoteSql remote = RemoteSql.connect(URI.create("grpc://127.0.0.1:" + sqlServer.getPort()), USER, PASSWORD,
            null, allocator);
        ArrowReader reader = remote.query("SELECT anything")) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      while (reader.loadNextBatch()) {
        BigIntVector ids = (BigIntVector) root.getVector("id");
        BaseIntVector parity = (BaseIntVector) root.getVector("parity");
        VarCharVector values = (VarCharVector) reader.lookup(parity.getField().getDictionary().getId()).getVector();
        for (int i = 0; i < root.getRowCount(); i++, rows++) {
          assertThat(values.getObject((int) parity.getValueAsLong(i)).toString())
              .isEqualTo(ids.get(i) % 2 == 0 ? "even" : "odd");
        }
      }
    }
    assertThat(rows).isEqualTo(3500);
    assertAllFreed();
  }

  @Test
  void closingEarlyFreesEverything() throws Exception {
    try (RemoteSql remote = RemoteSql.connect(URI.create("grpc://127.0.0.1:" + sqlServer.getPort()), USER, PASSWORD,
            null, allocator);
        ArrowReader reader = remote.query("SELECT anything")) {
      assertThat(reader.loadNextBatch()).isTrue();
    }
    assertAllFreed();
  }

  /**
   * Nothing stays allocated. Buffers of messages that were on their way when a stream closed are
   * freed on gRPC's threads a moment later (seen once in CI: 192 bytes right after close), so this
   * waits for that, and a real leak still fails after the wait.
   */
  private void assertAllFreed() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (allocator.getAllocatedMemory() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(allocator.getAllocatedMemory()).isZero();
  }

  @Test
  void aWrongPasswordIsRefusedAtConnect() {
    assertThatThrownBy(() -> RemoteSql.connect(URI.create("grpc://127.0.0.1:" + sqlServer.getPort()), USER, "nope",
        null, allocator))
        .isInstanceOfSatisfying(FlightRuntimeException.class,
            e -> assertThat(e.status().code()).isEqualTo(FlightStatusCode.UNAUTHENTICATED));
  }
}
