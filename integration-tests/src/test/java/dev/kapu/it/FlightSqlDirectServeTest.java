package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.adbc.core.AdbcConnection;
import org.apache.arrow.adbc.core.AdbcDatabase;
import org.apache.arrow.adbc.core.AdbcDriver;
import org.apache.arrow.adbc.core.AdbcStatement;
import org.apache.arrow.adbc.driver.flightsql.FlightSqlDriver;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlInfo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code kapu serve} in its default mode: query results come straight from the daemon that ran the
 * query (the FlightInfo endpoint's location), through the JDBC driver, the ADBC driver and a plain
 * FlightSqlClient; the daemon's endpoint takes the ticket as the capability and refuses the rest.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FlightSqlDirectServeTest {
  private static ServeProcess serve;
  private static BufferAllocator allocator;
  private static FlightClient server;
  private static FlightSqlClient sql;
  private static CredentialCallOption bearer;

  @BeforeAll
  static void start() throws Exception {
    serve = ServeProcess.start("--port", "0", "--daemons", "2");
    assertThat(serve.printed.get("results")).isEqualTo("direct");
    allocator = new RootAllocator();
    server = FlightClient.builder(allocator, new Location(serve.printed.get("flight_url"))).build();
    bearer = server.authenticateBasicToken(serve.printed.get("user"), serve.printed.get("password")).orElseThrow();
    sql = new FlightSqlClient(server);
    try (Connection c = DriverManager.getConnection(serve.jdbcUrl()); Statement s = c.createStatement()) {
      s.executeUpdate("CREATE TABLE people AS SELECT * FROM (VALUES (1, 'ada'), (2, 'alan'), (3, 'grace')) t(id, name)");
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (allocator != null) {
      allocator.close();
    }
    if (serve != null) {
      serve.stop();
    }
  }

  @Test
  void theEndpointIsADaemonsOwnAndAHandshakeThereFetchesIt() throws Exception {
    FlightInfo info = sql.execute("SELECT range AS n FROM range(100000)", bearer);
    assertThat(info.getEndpoints()).hasSize(1);
    FlightEndpoint endpoint = info.getEndpoints().get(0);
    assertThat(endpoint.getLocations()).hasSize(1);
    URI location = endpoint.getLocations().get(0).getUri();
    int serverPort = URI.create(serve.printed.get("flight_url")).getPort();
    assertThat(location.getHost()).isEqualTo("127.0.0.1");
    assertThat(location.getPort()).isNotEqualTo(serverPort);
    Set<Integer> daemonPorts = new HashSet<>();
    for (ProcessHandle daemon : serve.daemons) {
      daemonPorts.addAll(listeningPorts(daemon.pid()));
    }
    assertThat(daemonPorts).contains(location.getPort());

    // as the JDBC driver (and `kapu query --url`) do it: Handshake with the user and password
    // there (the daemon knows neither, and answers with a bearer), then DoGet with that bearer
    try (FlightClient daemon = FlightClient.builder(allocator, endpoint.getLocations().get(0)).build()) {
      CredentialCallOption daemonBearer = daemon.authenticateBasicToken("kapu", "whatever").orElseThrow();
      assertThat(sum(daemon.getStream(endpoint.getTicket(), daemonBearer))).isEqualTo(100000L * 99999L / 2);

      assertThatThrownBy(() -> sum(daemon.getStream(endpoint.getTicket(), daemonBearer)))
          .satisfies(e -> assertStatus(e, FlightStatusCode.NOT_FOUND, "fetched already"));
      Ticket unknown = new Ticket("no-such-ticket".getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> sum(daemon.getStream(unknown)))
          .satisfies(e -> assertStatus(e, FlightStatusCode.NOT_FOUND, "never issued"));

      // without the Kapu token, nothing but the ticket's DoGet (and the drivers' session calls)
      assertRefused(() -> daemon.listFlights(Criteria.ALL).forEach(f -> { }), "LIST_FLIGHTS needs the Kapu token");
      assertRefused(() -> daemon.getInfo(info.getDescriptor()), "needs the Kapu token");
      assertRefused(() -> daemon.doAction(new Action("CancelFlightInfo", new byte[0]), daemonBearer).next(),
          "needs the Kapu token");
      FlightCallHeaders wrong = new FlightCallHeaders();
      wrong.insert("kapu-token", "not the token");
      assertRefused(() -> sum(daemon.getStream(unknown, new HeaderCallOption(wrong))), "Kapu token was refused");

      // the daemon keeps serving
      FlightInfo again = sql.execute("SELECT range AS n FROM range(10)", bearer);
      FlightEndpoint next = again.getEndpoints().get(0);
      try (FlightClient d = FlightClient.builder(allocator, next.getLocations().get(0)).build()) {
        assertThat(sum(d.getStream(next.getTicket()))).as("no credentials: the ticket is the capability").isEqualTo(45);
      }
    }
  }

  @Test
  void aDirectTicketPresentedToTheServerNamesWhereItIsFetched() {
    FlightInfo info = sql.execute("SELECT 1 AS n", bearer);
    FlightEndpoint endpoint = info.getEndpoints().get(0);
    assertThatThrownBy(() -> sum(sql.getStream(endpoint.getTicket(), bearer)))
        .satisfies(e -> assertStatus(e, FlightStatusCode.INVALID_ARGUMENT, endpoint.getLocations().get(0).getUri().toString()));
  }

  @Test
  void preparedStatementWithParametersIsFetchedFromADaemon() throws Exception {
    FlightSqlClient.PreparedStatement p =
        sql.prepare("SELECT CAST(sum(range) AS BIGINT) AS n FROM range(CAST(? AS BIGINT))", bearer);
    try (VectorSchemaRoot parameters = VectorSchemaRoot.create(p.getParameterSchema(), allocator)) {
      parameters.allocateNew();
      ((BigIntVector) parameters.getVector(0)).setSafe(0, 1000);
      parameters.setRowCount(1);
      p.setParameters(parameters);
      FlightInfo info = p.execute(bearer);
      FlightEndpoint endpoint = info.getEndpoints().get(0);
      assertThat(endpoint.getLocations()).hasSize(1);
      try (FlightClient daemon = FlightClient.builder(allocator, endpoint.getLocations().get(0)).build()) {
        assertThat(sum(daemon.getStream(endpoint.getTicket()))).isEqualTo(1000L * 999L / 2);
      }
    } finally {
      p.close(bearer);
    }
  }

  @Test
  void jdbcStatementPreparedStatementAndCatalog() throws SQLException {
    for (String url : List.of(serve.jdbcUrl(), serve.jdbcUrl() + "&catalog=duckdb")) {
      Connection c = DriverManager.getConnection(url);
      try {
        List<String> names = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM people ORDER BY id")) {
          while (rs.next()) {
            names.add(rs.getString(1));
          }
        }
        assertThat(names).containsExactly("ada", "alan", "grace");
        try (PreparedStatement p = c.prepareStatement("SELECT name FROM people WHERE id = ?")) {
          p.setInt(1, 3);
          try (ResultSet rs = p.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("grace");
          }
        }
        long rows = 0;
        try (Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT range, 'row ' || range FROM range(300000)")) {
          while (rs.next()) {
            rows++;
          }
        }
        assertThat(rows).isEqualTo(300_000);
      } finally {
        FlightSqlCatalogServeTest.closeCatalogConnection(c);
      }
    }
  }

  @Test
  void adbcFlightSqlDriverFetchesFromTheDaemon() throws Exception {
    Map<String, Object> parameters = new HashMap<>();
    AdbcDriver.PARAM_URI.set(parameters, serve.printed.get("flight_url"));
    AdbcDriver.PARAM_USERNAME.set(parameters, serve.printed.get("user"));
    AdbcDriver.PARAM_PASSWORD.set(parameters, serve.printed.get("password"));
    try (BufferAllocator adbcAllocator = new RootAllocator();
        AdbcDatabase database = new FlightSqlDriver(adbcAllocator).open(parameters);
        AdbcConnection adbc = database.connect();
        AdbcStatement statement = adbc.createStatement()) {
      statement.setSqlQuery("SELECT id, name FROM people WHERE id >= 2 ORDER BY id");
      List<String> rows = new ArrayList<>();
      try (AdbcStatement.QueryResult result = statement.executeQuery()) {
        ArrowReader reader = result.getReader();
        while (reader.loadNextBatch()) {
          VectorSchemaRoot root = reader.getVectorSchemaRoot();
          for (int r = 0; r < root.getRowCount(); r++) {
            rows.add(root.getVector(0).getObject(r) + ":" + root.getVector(1).getObject(r));
          }
        }
      }
      assertThat(rows).containsExactly("2:alan", "3:grace");
    }
  }

  @Test
  void sqlInfoSaysQueriesCanBeCancelled() throws Exception {
    FlightInfo info = sql.getSqlInfo(new SqlInfo[] {SqlInfo.FLIGHT_SQL_SERVER_CANCEL}, bearer);
    try (FlightStream stream = sql.getStream(info.getEndpoints().get(0).getTicket(), bearer)) {
      assertThat(stream.next()).isTrue();
      assertThat(stream.getRoot().contentToTSVString()).contains("true");
    }
  }

  /** The sum of the first column (BIGINT) of a stream, read to its end. */
  static long sum(FlightStream stream) throws Exception {
    long total = 0;
    try (stream) {
      while (stream.next()) {
        BigIntVector v = (BigIntVector) stream.getRoot().getVector(0);
        for (int i = 0; i < v.getValueCount(); i++) {
          total += v.get(i);
        }
      }
    }
    return total;
  }

  static void assertStatus(Throwable e, FlightStatusCode code, String message) {
    assertThat(e).isInstanceOf(FlightRuntimeException.class);
    assertThat(((FlightRuntimeException) e).status().code()).as(e.getMessage()).isEqualTo(code);
    assertThat(e.getMessage()).contains(message);
  }

  private static void assertRefused(ThrowingCallable call, String message) {
    assertThatThrownBy(call).satisfies(e -> assertStatus(e, FlightStatusCode.UNAUTHENTICATED, message));
  }

  /** The TCP ports a process listens on, from /proc (its sockets' inodes in the kernel's tables). */
  static Set<Integer> listeningPorts(long pid) throws Exception {
    Set<String> inodes = new HashSet<>();
    try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (java.io.IOException e) {
          // closed meanwhile
        }
      }
    }
    Set<Integer> ports = new HashSet<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> lines = Files.readAllLines(Path.of(table));
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.trim().split("\\s+");
        if (f[3].equals("0A") && inodes.contains(f[9])) { // 0A: LISTEN
          ports.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
        }
      }
    }
    return ports;
  }
}
