package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.bench.ThrowawayPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.SessionOptionValueFactory;
import org.apache.arrow.flight.SetSessionOptionsRequest;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.client.ClientCookieMiddleware;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a client sees of a failed statement, against {@code kapu serve} in a process of its own
 * serving an embedded DuckDB, a throwaway PostgreSQL through a {@code jdbc} resource and a resource
 * whose code fails as a bug would: the status says whose fault it is (a user's mistake is never
 * INTERNAL, a Kapu fault stays INTERNAL), and the message carries the database's own words and the
 * resource's name, never a Java class name. Seen through the Flight SQL JDBC driver, {@link
 * FlightSqlClient} and a plain Flight {@code DoGet} of a JSON ticket.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ErrorStatusServeTest {
  /** A qualified Java class name, as {@code java.sql.SQLException} or {@code org.duckdb.DuckDBNative}. */
  private static final Pattern CLASS_NAME = Pattern.compile("\\b[a-z]+(\\.[a-z0-9_]+)+\\.[A-Z]\\w*");
  private static final String RW = "rw";
  private static final String RO = "ro";
  private static final Map<String, String> PASSWORDS = Map.of("RW_PASSWORD", "rwpw1", "RO_PASSWORD", "ropw1");

  /** A statement, who runs it where, and what must come back. */
  record Case(String catalog, String user, String sql, boolean update, FlightStatusCode code, String databaseText) {
    @Override
    public String toString() {
      return user + "@" + catalog + ": " + sql;
    }
  }

  static final List<Case> CASES = List.of(
      new Case("duckdb", RW, "SELEC 1", false, FlightStatusCode.INVALID_ARGUMENT,
          "Parser Error: syntax error at or near \"SELEC\""),
      new Case("duckdb", RW, "SELECT * FROM nope", false, FlightStatusCode.NOT_FOUND,
          "Catalog Error: Table with name nope does not exist!"),
      new Case("duckdb", RW, "SELECT nope FROM t", false, FlightStatusCode.NOT_FOUND,
          "Binder Error: Referenced column \"nope\" not found in FROM clause!"),
      new Case("duckdb", RW, "SELECT CAST(name AS INTEGER) FROM t", false, FlightStatusCode.INVALID_ARGUMENT,
          "Conversion Error: Could not convert string 'a' to INT32"),
      new Case("duckdb", RW, "INSERT INTO t VALUES (1, 'again')", true, FlightStatusCode.INVALID_ARGUMENT,
          "Constraint Error: Duplicate key \"id: 1\" violates primary key constraint"),
      new Case("duckdb", RW, "SELECT CASE WHEN range = 300000 THEN error('failed half way') ELSE range END AS n"
          + " FROM range(1000000)", false, FlightStatusCode.INVALID_ARGUMENT, "Invalid Input Error: failed half way"),
      new Case("duckdb", RO, "SELECT nextval('seq')", false, FlightStatusCode.UNAUTHORIZED,
          "transaction is launched in read-only mode"),
      new Case("pg", RW, "SELEC 1", false, FlightStatusCode.INVALID_ARGUMENT,
          "ERROR: syntax error at or near \"SELEC\""),
      new Case("pg", RW, "SELECT * FROM nope", false, FlightStatusCode.NOT_FOUND,
          "ERROR: relation \"nope\" does not exist"),
      new Case("pg", RW, "SELECT nope FROM accounts", false, FlightStatusCode.NOT_FOUND,
          "ERROR: column \"nope\" does not exist"),
      new Case("pg", RW, "SELECT CAST(name AS INTEGER) FROM accounts", false, FlightStatusCode.INVALID_ARGUMENT,
          "ERROR: invalid input syntax for type integer: \"a\""),
      new Case("pg", RW, "INSERT INTO accounts VALUES (1, 'again')", true, FlightStatusCode.INVALID_ARGUMENT,
          "ERROR: duplicate key value violates unique constraint \"accounts_pkey\""),
      new Case("pg", RW, "SELECT CASE WHEN g = 300000 THEN g / 0 ELSE g END FROM generate_series(1, 1000000) g",
          false, FlightStatusCode.INVALID_ARGUMENT, "ERROR: division by zero"),
      new Case("pg", RO, "SELECT nextval('ticket')", false, FlightStatusCode.UNAUTHORIZED,
          "ERROR: cannot execute nextval() in a read-only transaction"),
      new Case("broken", RW, "SELECT 1", false, FlightStatusCode.INTERNAL, BrokenKind.FAILURE));

  @TempDir static Path dir;
  static ThrowawayPostgres postgres;
  static ServeProcess serve;
  static BufferAllocator allocator;

  @BeforeAll
  static void start() throws Exception {
    allocator = new RootAllocator();
    postgres = ThrowawayPostgres.start();
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL)");
      s.execute("INSERT INTO accounts VALUES (1, 'a')");
      s.execute("CREATE SEQUENCE ticket");
    }
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  duckdb: { kind: duckdb, placement: pinned }",
        "  pg:",
        "    kind: jdbc",
        "    options: { url: \"" + postgres.jdbcUrl() + "\", user: \"" + postgres.user() + "\", password: \""
            + postgres.password() + "\" }",
        "  broken: { kind: broken, placement: pinned }",
        "users:",
        "  rw: { password: \"${RW_PASSWORD}\", access: { \"*\": read-write } }",
        "  ro: { password: \"${RO_PASSWORD}\", access: { \"*\": read-only } }",
        ""));
    serve = ServeProcess.start(PASSWORDS, "--config", config.toString(), "--port", "0", "--daemons", "2");
    Connection rw = jdbc(RW, "duckdb");
    try (Statement s = rw.createStatement()) {
      s.executeUpdate("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL)");
      s.executeUpdate("INSERT INTO t VALUES (1, 'a')");
      s.executeUpdate("CREATE SEQUENCE seq");
    } finally {
      closeQuietly(rw);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (serve != null) {
        serve.stop();
      }
    } finally {
      if (postgres != null) {
        postgres.close();
      }
      if (allocator != null) {
        allocator.close();
      }
    }
  }

  @Test
  void theFlightSqlJdbcDriverSeesWhoseFaultItIs() {
    SoftAssertions softly = new SoftAssertions();
    Map<String, Connection> connections = new HashMap<>();
    try {
      for (Case c : CASES) {
        Throwable failure = failure(() -> {
          Connection connection = connections.computeIfAbsent(c.user() + "@" + c.catalog(), k -> open(c));
          try (Statement s = connection.createStatement()) {
            if (c.update()) {
              s.executeUpdate(c.sql());
            } else {
              try (ResultSet rs = s.executeQuery(c.sql())) {
                while (rs.next()) {
                  // every row, so that a failure half way through the result shows
                }
              }
            }
          }
        });
        check(softly, c, failure);
      }
    } finally {
      connections.values().forEach(ErrorStatusServeTest::closeQuietly);
    }
    softly.assertAll();
    assertTheServerServes();
  }

  @Test
  void flightSqlClientSeesWhoseFaultItIs() {
    SoftAssertions softly = new SoftAssertions();
    for (Case c : CASES) {
      try (FlightClient client = FlightClient.builder(allocator, new Location(serve.printed.get("flight_url")))
          .intercept(new ClientCookieMiddleware.Factory()).build();
          FlightSqlClient sql = new FlightSqlClient(client)) {
        CredentialCallOption auth = client.authenticateBasicToken(c.user(), password(c.user())).orElseThrow();
        sql.setSessionOptions(new SetSessionOptionsRequest(
            Map.of("catalog", SessionOptionValueFactory.makeSessionOptionValue(c.catalog()))), auth);
        Throwable failure = failure(() -> {
          if (c.update()) {
            sql.executeUpdate(c.sql(), auth);
          } else {
            FlightInfo info = sql.execute(c.sql(), auth);
            for (FlightEndpoint endpoint : info.getEndpoints()) {
              try (FlightClient daemon = FlightClient.builder(allocator, endpoint.getLocations().get(0)).build()) {
                drain(daemon.getStream(endpoint.getTicket()));
              }
            }
          }
        });
        check(softly, c, failure);
      } catch (Exception e) {
        softly.fail(c + ": the client failed around the statement", e);
      }
    }
    softly.assertAll();
    assertTheServerServes();
  }

  @Test
  void plainFlightSqlTicketsSeeWhoseFaultItIs() throws Exception {
    SoftAssertions softly = new SoftAssertions();
    try (FlightClient client = FlightClient.builder(allocator, new Location(serve.printed.get("flight_url"))).build()) {
      Map<String, CredentialCallOption> auth = Map.of(
          RW, client.authenticateBasicToken(RW, password(RW)).orElseThrow(),
          RO, client.authenticateBasicToken(RO, password(RO)).orElseThrow());
      for (Case c : CASES) {
        String json = "{\"sql\": \"" + c.sql().replace("\"", "\\\"") + "\", \"resource\": \"" + c.catalog() + "\"}";
        Throwable failure = failure(() -> drain(client.getStream(
            new Ticket(json.getBytes(StandardCharsets.UTF_8)), auth.get(c.user()))));
        check(softly, c, failure);
      }
    }
    softly.assertAll();
    assertTheServerServes();
  }

  /** The status, the database's words, the resource's name, and no Java class name. */
  private static void check(SoftAssertions softly, Case c, Throwable failure) {
    if (failure == null) {
      softly.fail(c + ": succeeded");
      return;
    }
    FlightRuntimeException flight = flight(failure);
    softly.assertThat(flight).as(c + ": a Flight status under " + failure).isNotNull();
    if (flight == null) {
      return;
    }
    String message = failure.getMessage();
    System.out.println(c + "\n  -> " + flight.status().code() + ": " + message.replace('\n', ' '));
    softly.assertThat(flight.status().code()).as(c + ": " + message).isEqualTo(c.code());
    softly.assertThat(message).as(c.toString()).contains(c.databaseText());
    if (c.code() != FlightStatusCode.INTERNAL) {
      softly.assertThat(message).as(c.toString()).contains("'" + c.catalog() + "'");
    }
    softly.assertThat(message).as(c.toString()).doesNotContainPattern(CLASS_NAME).doesNotContain("$");
  }

  private static FlightRuntimeException flight(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof FlightRuntimeException f) {
        return f;
      }
    }
    return null;
  }

  private interface Call {
    void run() throws Exception;
  }

  private static Throwable failure(Call call) {
    try {
      call.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  private static long drain(FlightStream stream) throws Exception {
    try (stream) {
      long rows = 0;
      while (stream.next()) {
        rows += stream.getRoot().getRowCount();
      }
      return rows;
    }
  }

  private static String password(String user) {
    return PASSWORDS.get(user.toUpperCase(java.util.Locale.ROOT) + "_PASSWORD");
  }

  static Connection jdbc(String user, String catalog) throws SQLException {
    String base = serve.jdbcUrl().replaceFirst("&user=[^&]*$", "");
    return DriverManager.getConnection(base + "&user=" + user + "&password=" + password(user) + "&catalog=" + catalog);
  }

  private static Connection open(Case c) {
    try {
      return jdbc(c.user(), c.catalog());
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The 18.3 driver's close with a catalog set fails on its own channel (see README): not this test's subject. */
  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // the driver's known bug
    }
  }

  private static void assertTheServerServes() {
    assertThat(serve.process.isAlive()).isTrue();
    assertThat(serve.daemons).allMatch(ProcessHandle::isAlive);
  }
}
