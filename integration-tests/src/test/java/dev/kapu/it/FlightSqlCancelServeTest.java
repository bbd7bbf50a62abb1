package dev.kapu.it;

import static dev.kapu.it.FlightSqlDirectServeTest.assertStatus;
import static dev.kapu.it.FlightSqlDirectServeTest.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CancelFlightInfoRequest;
import org.apache.arrow.flight.CancelStatus;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.flight.sql.CancelResult;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cancelling queries on {@code kapu serve} with one daemon, direct and relayed: CancelFlightInfo
 * while a result streams and before it is fetched, the legacy CancelQuery, and a client that
 * cancels its own DoGet (the JDBC driver's {@code Statement.cancel()}). Each time the daemon's
 * DuckDB stops working and the server and daemon keep serving. DuckDB streams its results here
 * ({@code streamResults}), so a cross join of a trillion rows is produced only as it is read.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FlightSqlCancelServeTest {
  private static final String ENDLESS = "SELECT a.range AS x, b.range AS y FROM range(1000000) a, range(1000000) b";

  @ParameterizedTest
  @ValueSource(strings = {"direct", "relay"})
  void cancelWhileStreamingBeforeFetchingAndFromJdbc(String mode, @TempDir Path dir) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  duckdb: { kind: duckdb, placement: pinned, options: { streamResults: \"true\" } }",
        ""));
    ServeProcess serve = mode.equals("relay")
        ? ServeProcess.start("--config", config.toString(), "--port", "0", "--daemons", "1", "--relay")
        : ServeProcess.start("--config", config.toString(), "--port", "0", "--daemons", "1");
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient server = FlightClient.builder(allocator, new Location(serve.printed.get("flight_url"))).build()) {
      assertThat(serve.printed.get("results")).isEqualTo(mode);
      ProcessHandle daemon = serve.daemons.get(0);
      CredentialCallOption bearer =
          server.authenticateBasicToken(serve.printed.get("user"), serve.printed.get("password")).orElseThrow();
      FlightSqlClient sql = new FlightSqlClient(server);

      // CancelFlightInfo while the result streams: the stream ends with CANCELLED
      FlightInfo streaming = sql.execute(ENDLESS, bearer);
      try (Fetch fetch = new Fetch(allocator, sql, streaming, bearer)) {
        for (int i = 0; i < 3; i++) {
          assertThat(fetch.stream.next()).isTrue();
        }
        assertThat(sql.cancelFlightInfo(new CancelFlightInfoRequest(streaming), bearer).getStatus())
            .isEqualTo(CancelStatus.CANCELLED);
        assertThatThrownBy(() -> {
          for (long batches = 0; batches < 1_000_000 && fetch.stream.next(); batches++) {
            // what was on its way still arrives; then the stream must end
          }
        }).satisfies(e -> assertStatus(e, FlightStatusCode.CANCELLED, "cancelled"));
      }
      awaitIdle(daemon);
      try (Fetch again = new Fetch(allocator, sql, streaming, bearer)) {
        assertThatThrownBy(() -> again.stream.next())
            .satisfies(e -> assertStatus(e, FlightStatusCode.CANCELLED, "cancelled"));
      }

      // cancelled before it is fetched (the legacy CancelQuery action): nothing to fetch
      @SuppressWarnings("deprecation")
      FlightInfo waiting = sql.execute(ENDLESS, bearer);
      @SuppressWarnings("deprecation")
      CancelResult legacy = sql.cancelQuery(waiting, bearer);
      assertThat(legacy).isEqualTo(CancelResult.CANCELLED);
      try (Fetch fetch = new Fetch(allocator, sql, waiting, bearer)) {
        assertThatThrownBy(() -> fetch.stream.next())
            .satisfies(e -> assertStatus(e, FlightStatusCode.CANCELLED, "cancelled"));
      }
      // a finished query cannot be cancelled
      FlightInfo small = sql.execute("SELECT range FROM range(10)", bearer);
      try (Fetch fetch = new Fetch(allocator, sql, small, bearer)) {
        assertThat(sum(fetch.stream)).isEqualTo(45);
      }
      assertThat(sql.cancelFlightInfo(new CancelFlightInfoRequest(small), bearer).getStatus())
          .isEqualTo(CancelStatus.NOT_CANCELLABLE);

      // the JDBC driver's Statement.cancel() cancels its DoGet; the daemon stops producing
      try (Connection c = DriverManager.getConnection(serve.jdbcUrl()); Statement s = c.createStatement()) {
        ResultSet rs = s.executeQuery(ENDLESS);
        for (int i = 0; i < 100_000; i++) {
          assertThat(rs.next()).isTrue();
        }
        s.cancel();
        assertThatThrownBy(() -> {
          for (long rows = 0; rows < 1_000_000_000L && rs.next(); rows++) {
            // until the cancelled stream ends
          }
        }).isInstanceOf(SQLException.class);
      }
      awaitIdle(daemon);

      // the server and its daemon keep serving
      try (Connection c = DriverManager.getConnection(serve.jdbcUrl());
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT 42")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(42);
      }
    } finally {
      serve.stop();
    }
  }

  /** A FlightInfo's one endpoint, fetched as a client does: from its location if it has one. */
  private static final class Fetch implements AutoCloseable {
    final FlightClient daemon;
    final FlightStream stream;

    Fetch(BufferAllocator allocator, FlightSqlClient sql, FlightInfo info, CredentialCallOption bearer) {
      FlightEndpoint endpoint = info.getEndpoints().get(0);
      if (endpoint.getLocations().isEmpty()) {
        daemon = null;
        stream = sql.getStream(endpoint.getTicket(), bearer);
      } else {
        daemon = FlightClient.builder(allocator, endpoint.getLocations().get(0)).build();
        stream = daemon.getStream(endpoint.getTicket());
      }
    }

    @Override
    public void close() throws Exception {
      try {
        stream.close();
      } catch (Exception e) {
        // the stream failed already: that is what was tested
      }
      if (daemon != null) {
        daemon.close();
      }
    }
  }

  /**
   * Waits until the daemon uses less than a quarter of a core over two seconds: a DuckDB still
   * producing the cross join would keep at least one core busy for hours. The limit is a hang
   * guard, not a measurement.
   */
  private static void awaitIdle(ProcessHandle daemon) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      Duration before = daemon.info().totalCpuDuration().orElseThrow();
      Thread.sleep(2000);
      Duration used = daemon.info().totalCpuDuration().orElseThrow().minus(before);
      if (used.toMillis() < 500) {
        return;
      }
    }
    throw new AssertionError("the daemon still works hard 90 s after its query was cancelled");
  }
}
