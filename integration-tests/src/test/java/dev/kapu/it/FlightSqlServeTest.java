package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.SessionOptionValueFactory;
import org.apache.arrow.flight.SetSessionOptionsRequest;
import org.apache.arrow.flight.SetSessionOptionsResult;
import org.apache.arrow.flight.client.ClientCookieMiddleware;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.adbc.core.AdbcConnection;
import org.apache.arrow.adbc.core.AdbcDatabase;
import org.apache.arrow.adbc.core.AdbcDriver;
import org.apache.arrow.adbc.core.AdbcStatement;
import org.apache.arrow.adbc.driver.flightsql.FlightSqlDriver;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.flight.sql.impl.FlightSql.TicketStatementQuery;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kapu serve} as a separate process, driven by the official Arrow Flight SQL JDBC driver
 * through plain JDBC and by the ADBC Flight SQL driver: metadata, queries, prepared statements with parameters, updates, and bad
 * input that must fail precisely while the server keeps serving.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlightSqlServeTest {
  private static ServeProcess serve;
  private static Map<String, String> printed;
  private static Connection connection;

  @BeforeAll
  static void start() throws Exception {
    serve = ServeProcess.start("--port", "0", "--daemons", "2");
    printed = serve.printed;
    assertThat(serve.daemons).hasSize(2);
    assertThat(serve.jdbcUrl()).startsWith("jdbc:arrow-flight-sql://127.0.0.1:");
    connection = DriverManager.getConnection(serve.jdbcUrl());
  }

  @AfterAll
  static void stop() throws Exception {
    if (connection != null) {
      connection.close();
    }
    if (serve != null) {
      serve.stop();
    }
  }

  @Test
  @Order(1)
  void printsCredentialsAndBothUrls() {
    assertThat(printed.get("flight_url")).startsWith("grpc://127.0.0.1:");
    assertThat(printed.get("user")).isEqualTo("kapu");
    assertThat(printed.get("password")).hasSizeGreaterThan(20); // generated
    assertThat(printed.get("jdbc_url")).contains("useEncryption=false", "user=kapu", "password=");
    // the JVM option the JDBC driver needs on JDK 17+, next to its URL
    int url = serve.output.indexOf("jdbc_url=" + printed.get("jdbc_url"));
    assertThat(serve.output.get(url + 1)).contains("--add-opens=java.base/java.nio=ALL-UNNAMED", "DBeaver");
  }

  /** Describing a statement the server cannot wrap runs it, but in a transaction rolled back: it runs once. */
  @Test
  void aQueryThatWritesRunsOnce() throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.executeUpdate("CREATE TABLE runs_once (n INTEGER)");
      try (ResultSet rs = s.executeQuery("INSERT INTO runs_once VALUES (42) RETURNING n")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(42);
        assertThat(rs.next()).isFalse();
      }
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM runs_once")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(1);
      }
    }
  }

  @Test
  @Order(2)
  void updatesThroughStatementAndPreparedStatement() throws SQLException {
    try (Statement s = connection.createStatement()) {
      assertThat(s.executeUpdate("CREATE TABLE people (id INTEGER, name VARCHAR)")).isZero();
      assertThat(s.executeUpdate("INSERT INTO people VALUES (1, 'ada'), (2, 'alan'), (3, 'grace')")).isEqualTo(3);
    }
    try (PreparedStatement p = connection.prepareStatement("INSERT INTO people VALUES (?, ?)")) {
      p.setInt(1, 4);
      p.setString(2, "edsger");
      assertThat(p.executeUpdate()).isEqualTo(1);
    }
  }

  @Test
  @Order(3)
  void queries() throws SQLException {
    List<String> names = new ArrayList<>();
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, name FROM people ORDER BY id")) {
      while (rs.next()) {
        names.add(rs.getInt(1) + ":" + rs.getString("name"));
      }
    }
    assertThat(names).containsExactly("1:ada", "2:alan", "3:grace", "4:edsger");

    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) AS n, sum(range) AS total FROM range(1000000)")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong("n")).isEqualTo(1_000_000L);
      assertThat(rs.getLong("total")).isEqualTo(499_999_500_000L);
    }

    // many rows, several batches, fetched from the daemon that ran the query
    long rows = 0;
    long sum = 0;
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT range AS i, range * 0.5 AS d, 'row ' || range AS v FROM range(300000)")) {
      while (rs.next()) {
        rows++;
        sum += rs.getLong(1);
      }
    }
    assertThat(rows).isEqualTo(300_000);
    assertThat(sum).isEqualTo(300_000L * 299_999L / 2);
  }

  @Test
  @Order(4)
  void preparedQueryWithParameters() throws SQLException {
    try (PreparedStatement p = connection.prepareStatement("SELECT name FROM people WHERE id = ?")) {
      p.setInt(1, 2);
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("alan");
        assertThat(rs.next()).isFalse();
      }
      p.setInt(1, 3);
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("grace");
      }
    }
    try (PreparedStatement p = connection.prepareStatement("SELECT id FROM people WHERE name = ?")) {
      p.setString(1, "ada");
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    }
  }

  @Test
  @Order(5)
  void metadataDescribesTheHostedResource() throws SQLException {
    DatabaseMetaData meta = connection.getMetaData();
    List<String> catalogs = new ArrayList<>();
    try (ResultSet rs = meta.getCatalogs()) {
      while (rs.next()) {
        catalogs.add(rs.getString("TABLE_CAT"));
      }
    }
    assertThat(catalogs).containsExactly("duckdb");

    List<String> tables = new ArrayList<>();
    try (ResultSet rs = meta.getTables(null, null, "%", null)) {
      while (rs.next()) {
        tables.add(rs.getString("TABLE_CAT") + "." + rs.getString("TABLE_SCHEM") + "."
            + rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
      }
    }
    assertThat(tables).contains("duckdb.main.people:TABLE");

    List<String> schemas = new ArrayList<>();
    try (ResultSet rs = meta.getSchemas()) {
      while (rs.next()) {
        schemas.add(rs.getString("TABLE_SCHEM"));
      }
    }
    assertThat(schemas).contains("main");

    List<String> types = new ArrayList<>();
    try (ResultSet rs = meta.getTableTypes()) {
      while (rs.next()) {
        types.add(rs.getString(1));
      }
    }
    assertThat(types).contains("TABLE", "VIEW");
  }

  @Test
  @Order(6)
  void syntaxErrorCarriesDuckDbsMessageAndTheServerKeepsServing() throws SQLException {
    try (Statement s = connection.createStatement()) {
      assertThatThrownBy(() -> s.executeQuery("SELEC 1 FROM people"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("syntax error");
      assertThatThrownBy(() -> s.executeQuery("SELECT * FROM no_such_table"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("no_such_table");
      // an error only running the query finds (not preparing it): it comes with the stream
      assertThatThrownBy(() -> {
        try (ResultSet rs = s.executeQuery("SELECT CAST(v AS INTEGER) FROM (VALUES ('1'), ('x')) t(v)")) {
          while (rs.next()) {
            rs.getInt(1);
          }
        }
      }).isInstanceOf(SQLException.class).hasMessageContaining("Conversion Error");
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM people")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(4);
      }
    }
  }

  @Test
  @Order(7)
  void wrongPasswordIsRefusedAndTheServerKeepsServing() throws SQLException {
    String bad = printed.get("jdbc_url").replaceAll("password=[^&]*", "password=wrong");
    assertThatThrownBy(() -> DriverManager.getConnection(bad).close()).isInstanceOf(SQLException.class);
    try (Connection again = DriverManager.getConnection(printed.get("jdbc_url"));
        Statement s = again.createStatement();
        ResultSet rs = s.executeQuery("SELECT 42 AS answer")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(42);
    }
  }

  @Test
  @Order(8)
  void adbcFlightSqlDriverQueriesAndUpdates() throws Exception {
    Map<String, Object> parameters = new HashMap<>();
    AdbcDriver.PARAM_URI.set(parameters, printed.get("flight_url"));
    AdbcDriver.PARAM_USERNAME.set(parameters, printed.get("user"));
    AdbcDriver.PARAM_PASSWORD.set(parameters, printed.get("password"));
    try (BufferAllocator allocator = new RootAllocator();
        AdbcDatabase database = new FlightSqlDriver(allocator).open(parameters);
        AdbcConnection adbc = database.connect()) {
      try (AdbcStatement statement = adbc.createStatement()) {
        statement.setSqlQuery("INSERT INTO people VALUES (5, 'barbara')");
        assertThat(statement.executeUpdate().getAffectedRows()).isEqualTo(1);
      }
      try (AdbcStatement statement = adbc.createStatement()) {
        statement.setSqlQuery("SELECT id, name FROM people WHERE id >= 4 ORDER BY id");
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
        assertThat(rows).containsExactly("4:edsger", "5:barbara");
      }
      try (AdbcStatement statement = adbc.createStatement()) {
        statement.setSqlQuery("SELEC nothing");
        assertThatThrownBy(statement::executeQuery).hasMessageContaining("syntax error");
      }
    }
  }

  @Test
  @Order(9)
  void malformedAndUnknownTicketsAreRefusedPrecisely() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client = FlightClient.builder(allocator, new Location(printed.get("flight_url"))).build()) {
      CredentialCallOption bearer = client.authenticateBasicToken(printed.get("user"), printed.get("password")).orElseThrow();
      assertThatThrownBy(() -> drain(client.getStream(new Ticket("not a ticket".getBytes(StandardCharsets.UTF_8)), bearer)))
          .isInstanceOf(FlightRuntimeException.class)
          .satisfies(e -> assertThat(((FlightRuntimeException) e).status().code()).isEqualTo(FlightStatusCode.INVALID_ARGUMENT));
      byte[] unknown = Any.pack(TicketStatementQuery.newBuilder()
          .setStatementHandle(ByteString.copyFromUtf8("no-such-handle")).build()).toByteArray();
      assertThatThrownBy(() -> drain(client.getStream(new Ticket(unknown), bearer)))
          .isInstanceOf(FlightRuntimeException.class)
          .satisfies(e -> assertThat(((FlightRuntimeException) e).status().code()).isEqualTo(FlightStatusCode.NOT_FOUND));
      // without credentials: refused
      assertThatThrownBy(() -> drain(client.getStream(new Ticket(unknown))))
          .isInstanceOf(FlightRuntimeException.class)
          .satisfies(e -> assertThat(((FlightRuntimeException) e).status().code()).isEqualTo(FlightStatusCode.UNAUTHENTICATED));
    }
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM people")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(5);
    }
  }

  private static void drain(FlightStream stream) throws Exception {
    try (stream) {
      while (stream.next()) {
        // read to the end (or the error)
      }
    }
  }

  @Test
  @Order(10)
  void columnsOfATable() throws SQLException {
    List<String> columns = new ArrayList<>();
    try (ResultSet rs = connection.getMetaData().getColumns(null, "main", "people", "%")) {
      while (rs.next()) {
        columns.add(rs.getString("COLUMN_NAME") + ":" + rs.getInt("DATA_TYPE"));
      }
    }
    assertThat(columns).containsExactly("id:" + java.sql.Types.INTEGER, "name:" + java.sql.Types.VARCHAR);
  }

  @Test
  @Order(11)
  void readsLocalCsvFiles(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("cities.csv");
    Files.writeString(csv, "city,people\nOslo,717710\nBergen,291940\n");
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT city, people FROM '" + csv + "' ORDER BY people DESC")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString("city")).isEqualTo("Oslo");
      assertThat(rs.getLong("people")).isEqualTo(717710L);
      assertThat(rs.next()).isTrue();
      assertThat(rs.next()).isFalse();
    }
  }

  @Test
  @Order(12)
  void concurrentConnections() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> sums = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        long n = 10_000L * (i + 1);
        sums.add(pool.submit(() -> {
          try (Connection c = DriverManager.getConnection(serve.jdbcUrl());
              PreparedStatement p = c.prepareStatement("SELECT sum(range) FROM range(CAST(? AS BIGINT))")) {
            p.setLong(1, n);
            try (ResultSet rs = p.executeQuery()) {
              rs.next();
              return rs.getLong(1);
            }
          }
        }));
      }
      for (int i = 0; i < 8; i++) {
        long n = 10_000L * (i + 1);
        assertThat(sums.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(n * (n - 1) / 2);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** DuckDB sends an ENUM dictionary-encoded, and the JDBC driver would read its indices: Kapu sends its values. */
  @Test
  @Order(13)
  void enumColumnsReachJdbcAsTheirValues() throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.executeUpdate("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
      s.executeUpdate("CREATE TABLE moods (id INTEGER, m mood, ms mood[])");
      s.executeUpdate("INSERT INTO moods VALUES (1, 'happy', ['sad', 'ok']), (2, 'sad', []), (3, NULL, NULL)");
      try (ResultSet rs = s.executeQuery("SELECT id, m, ms FROM moods ORDER BY id")) {
        assertThat(rs.getMetaData().getColumnType(2)).isEqualTo(java.sql.Types.VARCHAR);
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(2)).isEqualTo("happy");
        assertThat(rs.getObject(2)).hasToString("happy");
        assertThat(rs.getObject(3)).hasToString("[\"sad\",\"ok\"]");
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("m")).isEqualTo("sad");
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(2)).isNull();
        assertThat(rs.getObject(2)).isNull();
        assertThat(rs.next()).isFalse();
      }
    }
    try (PreparedStatement p = connection.prepareStatement("SELECT m FROM moods WHERE m = ?")) {
      p.setString(1, "sad");
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.getMetaData().getColumnType(1)).isEqualTo(java.sql.Types.VARCHAR);
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("sad");
        assertThat(rs.next()).isFalse();
      }
    }
  }

  /** A client that reads dictionaries keeps them with the session option kapu.keep_dictionaries. */
  @Test
  @Order(14)
  void aSessionOptionKeepsDictionaries() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client = FlightClient.builder(allocator, new Location(printed.get("flight_url")))
            .intercept(new ClientCookieMiddleware.Factory()) // the session is a cookie
            .build()) {
      CredentialCallOption bearer = client.authenticateBasicToken(printed.get("user"), printed.get("password")).orElseThrow();
      FlightSqlClient sql = new FlightSqlClient(client);
      String query = "SELECT m FROM moods ORDER BY id";
      assertThat(sql.execute(query, bearer).getSchemaOptional().orElseThrow().getFields().get(0).getType())
          .isEqualTo(ArrowType.Utf8.INSTANCE);

      SetSessionOptionsResult set = sql.setSessionOptions(new SetSessionOptionsRequest(
          Map.of("kapu.keep_dictionaries", SessionOptionValueFactory.makeSessionOptionValue(true))), bearer);
      assertThat(set.hasErrors()).isFalse();
      FlightInfo info = sql.execute(query, bearer);
      Field announced = info.getSchemaOptional().orElseThrow().getFields().get(0);
      assertThat(announced.getDictionary()).isNotNull();
      FlightEndpoint endpoint = info.getEndpoints().get(0);
      List<Object> values = new ArrayList<>();
      try (FlightClient daemon = FlightClient.builder(allocator, endpoint.getLocations().get(0)).build();
          FlightStream stream = daemon.getStream(endpoint.getTicket())) {
        while (stream.next()) {
          FieldVector indices = stream.getRoot().getVector(0);
          assertThat(indices.getField().getDictionary()).isNotNull();
          Dictionary dictionary = stream.getDictionaryProvider().lookup(indices.getField().getDictionary().getId());
          try (ValueVector decoded = DictionaryEncoder.decode(indices, dictionary)) {
            for (int i = 0; i < decoded.getValueCount(); i++) {
              values.add(decoded.getObject(i) == null ? null : decoded.getObject(i).toString());
            }
          }
        }
      }
      assertThat(values).containsExactly("happy", "sad", null);
    }
  }
}
