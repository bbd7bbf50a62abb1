package dev.kapu.it;

import static dev.kapu.it.FlightSqlDirectServeTest.assertStatus;
import static dev.kapu.it.FlightSqlDirectServeTest.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import dev.kapu.bench.ThrowawayPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
import org.junit.jupiter.api.Test;
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
 *
 * <p>Then queries that work for hours before their first row (a DuckDB aggregation, PostgreSQL's
 * {@code pg_sleep}), stopped by CancelFlightInfo, the JDBC driver's {@code Statement.cancel()}
 * from another thread and its query timeout: the database's work stops (the daemon's CPU, or
 * {@code pg_stat_activity}), and the time it took is printed.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FlightSqlCancelServeTest {
  private static final String ENDLESS = "SELECT a.range AS x, b.range AS y FROM range(1000000) a, range(1000000) b";
  /** Hours of work before its one row. */
  private static final String SLOW = "SELECT sum(a.range * b.range) AS s FROM range(1000000) a, range(1000000) b";
  private static final String SLEEP = "SELECT pg_sleep(600) AS slept";

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

  @ParameterizedTest
  @ValueSource(strings = {"direct", "relay"})
  void cancelBeforeTheFirstBatch(String mode, @TempDir Path dir) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, "resources:\n  duckdb: { kind: duckdb, placement: pinned }\n");
    ServeProcess serve = start(mode, config);
    ProcessHandle daemon = serve.daemons.get(0);
    try {
      cancelThreeWays(serve, mode, "duckdb", SLOW, new Work() {
        @Override
        public void awaitRunning() throws InterruptedException {
          DaemonLoad.awaitBusy(daemon);
        }

        @Override
        public Duration awaitStopped(long since) throws InterruptedException {
          return DaemonLoad.awaitIdle(daemon, since);
        }
      });
    } finally {
      serve.stop();
    }
    assertNoLeaks(serve);
  }

  /**
   * A cancel sent the moment the query exists, while the daemon still sets it up (direct:
   * CancelFlightInfo right after GetFlightInfo started it; relay: the client dropping its DoGet right
   * after opening it, as the JDBC driver's {@code Statement.cancel()} does). The database ignored
   * such a cancel before Kapu remembered it, and the query worked on for hours. This is a race:
   * before the fix, one run in two lost a cancel (EarlyCancelTest in daemon-host forces it).
   */
  @ParameterizedTest
  @ValueSource(strings = {"direct", "relay"})
  void cancelAsSoonAsTheQueryExists(String mode, @TempDir Path dir) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, "resources:\n  duckdb: { kind: duckdb, placement: pinned }\n");
    ServeProcess serve = start(mode, config);
    ProcessHandle daemon = serve.daemons.get(0);
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient server = FlightClient.builder(allocator, new Location(serve.printed.get("flight_url"))).build()) {
      CredentialCallOption bearer =
          server.authenticateBasicToken(serve.printed.get("user"), serve.printed.get("password")).orElseThrow();
      FlightSqlClient client = new FlightSqlClient(server);
      for (int i = 0; i < 10; i++) {
        FlightInfo info = client.execute(SLOW, bearer);
        long cancelled = System.nanoTime();
        if (mode.equals("relay")) {
          try (Fetch fetch = new Fetch(allocator, client, info, bearer)) {
            fetch.stream.cancel("the client gives up at once", null);
          }
        } else {
          assertThat(client.cancelFlightInfo(new CancelFlightInfoRequest(info), bearer).getStatus())
              .isEqualTo(CancelStatus.CANCELLED);
        }
        report(mode, "duckdb", "at once #" + i, DaemonLoad.awaitIdle(daemon, cancelled));
      }
      FlightInfo small = client.execute("SELECT range FROM range(10)", bearer);
      try (Fetch fetch = new Fetch(allocator, client, small, bearer)) {
        assertThat(sum(fetch.stream)).isEqualTo(45);
      }
    } finally {
      serve.stop();
    }
    assertNoLeaks(serve);
  }

  @Test
  void cancelAPostgresQueryBeforeItsFirstRow(@TempDir Path dir) throws Exception {
    try (ThrowawayPostgres postgres = ThrowawayPostgres.start();
        Connection pg = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password())) {
      Path config = dir.resolve("kapu.yaml");
      Files.writeString(config, "resources:\n" + postgres.kapuResource("pg"));
      ServeProcess serve = start("direct", config);
      try {
        cancelThreeWays(serve, "direct", "postgres", SLEEP, new Work() {
          @Override
          public void awaitRunning() throws Exception {
            awaitSleeping(pg, 1);
            // The query runs from GetFlightInfo on; the driver opens its stream to the daemon just
            // after, and loses a cancel that comes before it has that stream's schema (README's
            // driver bugs). Nothing outside the driver shows that moment: give it a second.
            Thread.sleep(1000);
          }

          @Override
          public Duration awaitStopped(long since) throws Exception {
            awaitSleeping(pg, 0);
            return since(since);
          }
        });
      } finally {
        serve.stop();
      }
      assertNoLeaks(serve);
    }
  }

  /** How a test sees the database's work for a query: that it runs, and when it stopped. */
  private interface Work {
    void awaitRunning() throws Exception;

    /** Waits until it has stopped; how long after {@code since} (System.nanoTime) it did. */
    Duration awaitStopped(long since) throws Exception;
  }

  /**
   * Stops {@code sql}, a query that works for a long time before its first row, by
   * CancelFlightInfo, by the JDBC driver's {@code Statement.cancel()} from another thread and by
   * its query timeout; each time the database's work stops, and the server goes on serving.
   */
  private static void cancelThreeWays(ServeProcess serve, String mode, String database, String sql, Work work)
      throws Exception {
    ExecutorService background = Executors.newCachedThreadPool();
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient server = FlightClient.builder(allocator, new Location(serve.printed.get("flight_url"))).build()) {
      CredentialCallOption bearer =
          server.authenticateBasicToken(serve.printed.get("user"), serve.printed.get("password")).orElseThrow();
      FlightSqlClient client = new FlightSqlClient(server);

      // GetFlightInfo answers while the query runs (direct) or before it starts (relay); the fetch waits
      FlightInfo info = client.execute(sql, bearer);
      Future<Boolean> fetch = background.submit(() -> {
        try (Fetch f = new Fetch(allocator, client, info, bearer)) {
          return f.stream.next();
        }
      });
      work.awaitRunning();
      long cancelled = System.nanoTime();
      assertThat(client.cancelFlightInfo(new CancelFlightInfoRequest(info), bearer).getStatus())
          .isEqualTo(CancelStatus.CANCELLED);
      assertThatThrownBy(() -> fetch.get(60, TimeUnit.SECONDS)).cause()
          .satisfies(e -> assertStatus(e, FlightStatusCode.CANCELLED, "cancelled"));
      report(mode, database, "CancelFlightInfo", work.awaitStopped(cancelled));

      try (Connection c = DriverManager.getConnection(serve.jdbcUrl())) {
        // Statement.cancel() from another thread while executeQuery waits for the first batch
        try (Statement s = c.createStatement()) {
          Future<ResultSet> running = background.submit(() -> s.executeQuery(sql));
          work.awaitRunning();
          long t = System.nanoTime();
          s.cancel();
          assertThatThrownBy(() -> running.get(60, TimeUnit.SECONDS)).cause().isInstanceOf(SQLException.class);
          report(mode, database, "Statement.cancel", work.awaitStopped(t));
        }
        // the query timeout: the driver gives up waiting for the first batch, and drops the fetch
        long timedOut;
        try (Statement s = c.createStatement()) {
          s.setQueryTimeout(2);
          assertThatThrownBy(() -> s.executeQuery(sql)).isInstanceOf(SQLException.class)
              .hasStackTraceContaining("timed out");
          timedOut = System.nanoTime();
        }
        report(mode, database, "setQueryTimeout", work.awaitStopped(timedOut));

        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 42")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(42);
        }
      }
    } finally {
      background.shutdownNow();
    }
  }

  private static ServeProcess start(String mode, Path config) throws Exception {
    return mode.equals("relay")
        ? ServeProcess.start("--config", config.toString(), "--port", "0", "--daemons", "1", "--relay")
        : ServeProcess.start("--config", config.toString(), "--port", "0", "--daemons", "1");
  }

  private static Duration since(long nanoTime) {
    return Duration.ofNanos(System.nanoTime() - nanoTime);
  }

  /** Prints how long the database took to stop after the cancel, for the report; no bound but the hang guards. */
  private static void report(String mode, String database, String how, Duration untilStopped) {
    System.out.println("cancel_to_idle_ms{mode=" + mode + ",db=" + database + ",via=" + how + "}="
        + untilStopped.toMillis());
  }

  /**
   * Waits until PostgreSQL runs {@code expected} of the test's sleeps (Kapu's describing of the
   * statement, which never sleeps, left out).
   */
  private static void awaitSleeping(Connection pg, int expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    try (PreparedStatement count = pg.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
        + " AND query LIKE '%pg_sleep(600)%' AND query NOT LIKE '%kapu_describe%' AND pid <> pg_backend_pid()")) {
      while (System.nanoTime() < deadline) {
        try (ResultSet rs = count.executeQuery()) {
          rs.next();
          if (rs.getInt(1) == expected) {
            return;
          }
        }
        Thread.sleep(50);
      }
    }
    throw new AssertionError("PostgreSQL did not come to " + expected + " sleeping queries within 60 s");
  }

  /** No daemon's allocator found memory left behind when it closed (after {@link ServeProcess#stop()}). */
  private static void assertNoLeaks(ServeProcess serve) throws Exception {
    String logs = serve.daemonLogs();
    assertThat(logs).contains("opened resource").doesNotContain("leaked");
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
