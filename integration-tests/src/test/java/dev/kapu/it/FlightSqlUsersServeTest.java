package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.bench.ThrowawayPostgres;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.nio.charset.StandardCharsets;
import org.apache.arrow.flight.AsyncPutListener;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightClient.ClientStreamListener;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kapu serve --config} with {@code users:}: each user sees and uses only the resources
 * the config gives them a right on; a read-only user can change nothing, neither through updates
 * nor through the query path; every refusal leaves the server and its daemons serving. Driven by
 * the official Flight SQL JDBC driver, against a real PostgreSQL too.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FlightSqlUsersServeTest {
  static final Map<String, String> PASSWORDS = Map.of(
      "ANALYST_PASSWORD", "an4lyst", "ETL_PASSWORD", "etlpw77", "VISITOR_PASSWORD", "v1sitor", "PG_READER_PASSWORD", "pgr34d");

  @TempDir static Path dir;
  static ThrowawayPostgres postgres;
  static ServeProcess serve;

  @BeforeAll
  static void start() throws Exception {
    postgres = ThrowawayPostgres.start();
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE accounts AS SELECT g AS id FROM generate_series(1, 3) g");
      s.execute("CREATE SEQUENCE ticket");
    }
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  warehouse: { kind: duckdb, placement: pinned }",
        "  scratch: { kind: duckdb, placement: pinned }",
        "  pg:",
        "    kind: jdbc",
        "    options: { url: \"" + postgres.jdbcUrl() + "\", user: \"" + postgres.user() + "\", password: \""
            + postgres.password() + "\" }",
        "users:",
        "  analyst: { password: \"${ANALYST_PASSWORD}\", access: { warehouse: read-only, scratch: read-write } }",
        "  etl: { password: \"${ETL_PASSWORD}\", access: { \"*\": read-write } }",
        "  visitor: { password: \"${VISITOR_PASSWORD}\", access: { scratch: read-only } }",
        "  pgreader: { password: \"${PG_READER_PASSWORD}\", access: { pg: read-only } }",
        ""));
    serve = ServeProcess.start(PASSWORDS, "--config", config.toString(), "--port", "0", "--daemons", "2");
    try (Connection etl = connect("etl", "etlpw77"); Statement s = etl.createStatement()) {
      // etl's default catalog is the first resource, warehouse
      s.executeUpdate("CREATE TABLE orders AS SELECT range AS id FROM range(5)");
      s.executeUpdate("CREATE SEQUENCE seq");
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
    }
  }

  static Connection connect(String user, String password, String... catalog) throws SQLException {
    String base = serve.jdbcUrl().replaceFirst("&user=[^&]*$", "");
    return DriverManager.getConnection(base + "&user=" + user + "&password=" + password
        + (catalog.length > 0 ? "&catalog=" + catalog[0] : ""));
  }

  static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static List<String> catalogs(Connection c) throws SQLException {
    List<String> names = new ArrayList<>();
    try (ResultSet rs = c.getMetaData().getCatalogs()) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  /** The Flight status under the driver's exception. */
  static FlightStatusCode status(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof FlightRuntimeException f) {
        return f.status().code();
      }
    }
    return null;
  }

  /** The server and every daemon still serve: each user's next statement works. */
  static void stillServing() throws SQLException {
    try (Connection etl = connect("etl", "etlpw77")) {
      assertThat(count(etl, "SELECT count(*) FROM orders")).isEqualTo(5);
    }
    try (Connection analyst = connect("analyst", "an4lyst")) {
      assertThat(count(analyst, "SELECT count(*) FROM orders WHERE id < 3")).isEqualTo(3);
    }
    try (Connection pg = connect("pgreader", "pgr34d")) {
      assertThat(count(pg, "SELECT count(*) FROM accounts")).isEqualTo(3);
    }
    assertThat(serve.process.isAlive()).isTrue();
    assertThat(serve.daemons).hasSize(2).allMatch(ProcessHandle::isAlive);
  }

  @Test
  void printsTheUsersAndNoPassword() {
    assertThat(serve.jdbcUrl()).endsWith("&user=analyst").doesNotContain("password");
    assertThat(serve.output).contains("users:",
        "  analyst: warehouse read-only, scratch read-write (password from ${ANALYST_PASSWORD})",
        "  etl: * read-write (password from ${ETL_PASSWORD})");
    assertThat(String.join("\n", serve.output)).doesNotContain(PASSWORDS.values());
  }

  @Test
  void aReadOnlyUsersUpdatesAreRefusedAndChangeNothing() throws Exception {
    try (Connection analyst = connect("analyst", "an4lyst"); Statement s = analyst.createStatement()) {
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM orders"))
          .isInstanceOf(SQLException.class).hasMessageContaining("user 'analyst' may only read 'warehouse'")
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.UNAUTHORIZED)); // gRPC PERMISSION_DENIED
      assertThatThrownBy(() -> s.executeUpdate("CREATE TABLE mine (x INT)"))
          .isInstanceOf(SQLException.class).hasMessageContaining("user 'analyst' may only read 'warehouse'");
      assertThatThrownBy(() -> {
        try (PreparedStatement p = analyst.prepareStatement("INSERT INTO orders VALUES (?)")) {
          p.setLong(1, 99);
          p.executeUpdate();
        }
      }).isInstanceOf(SQLException.class) // refused while preparing: DuckDB's read-only check sees no SELECT
          .hasStackTraceContaining("user 'analyst' may only read 'warehouse': for a caller who may only read,"
              + " DuckDB runs one SELECT statement");
      assertThat(count(analyst, "SELECT count(*) FROM orders")).isEqualTo(5); // the next statement works
    }
    try (Connection etl = connect("etl", "etlpw77")) {
      assertThat(count(etl, "SELECT count(*) FROM orders")).isEqualTo(5);
      assertThat(count(etl, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'mine'")).isZero();
    }
    stillServing();
  }

  @Test
  void aReadOnlyUserCannotWriteThroughTheQueryPath() throws Exception {
    Path copied = dir.resolve("copied.csv");
    try (Connection analyst = connect("analyst", "an4lyst"); Statement s = analyst.createStatement()) {
      for (String sql : List.of(
          "CREATE TABLE t AS SELECT 1",
          "INSERT INTO orders VALUES (42) RETURNING id",
          "DELETE FROM orders RETURNING id",
          "COPY orders TO '" + copied + "'",
          "COPY orders TO '" + copied + "'; SELECT 1",
          "ATTACH '" + dir.resolve("other.duckdb") + "' AS other")) {
        assertThatThrownBy(() -> s.executeQuery(sql).close()).as(sql)
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("user 'analyst' may only read 'warehouse'")
            .hasMessageContaining("one SELECT statement")
            .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.UNAUTHORIZED));
      }
      // a write inside a SELECT meets DuckDB's read-only transaction, a refusal like the others
      for (String sql : List.of("SELECT nextval('seq')",
          "WITH a AS (INSERT INTO orders VALUES (43) RETURNING id) SELECT count(*) FROM a")) {
        assertThatThrownBy(() -> count(analyst, sql)).as(sql)
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("user 'analyst' may only read 'warehouse'")
            .hasMessageContaining("read-only mode")
            .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.UNAUTHORIZED));
      }
      assertThat(count(analyst, "SELECT count(*) FROM orders")).isEqualTo(5);
    }
    try (Connection etl = connect("etl", "etlpw77")) {
      assertThat(count(etl, "SELECT count(*) FROM information_schema.tables WHERE table_name = 't'")).isZero();
      assertThat(count(etl, "SELECT nextval('seq')")).isEqualTo(1); // the read-only caller never advanced it
    }
    assertThat(copied).doesNotExist();
    assertThat(dir.resolve("other.duckdb")).doesNotExist();
    stillServing();
  }

  @Test
  void aReadOnlyUserOnPostgresCannotWrite() throws Exception {
    try (Connection reader = connect("pgreader", "pgr34d"); Statement s = reader.createStatement()) {
      assertThat(catalogs(reader)).containsExactly("pg");
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM accounts"))
          .isInstanceOf(SQLException.class).hasMessageContaining("user 'pgreader' may only read 'pg'");
      for (String sql : List.of("INSERT INTO accounts VALUES (4) RETURNING id", "SELECT nextval('ticket')")) {
        assertThatThrownBy(() -> s.executeQuery(sql).close()).as(sql)
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("user 'pgreader' may only read 'pg'")
            .hasMessageContaining("read-only transaction")
            .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.UNAUTHORIZED));
      }
      // PostgreSQL describes it as returning no rows, and the driver sends it as an update
      assertThatThrownBy(() -> s.executeQuery("CREATE TABLE t AS SELECT 1 AS x").close())
          .isInstanceOf(SQLException.class).hasMessageContaining("user 'pgreader' may only read 'pg'");
      assertThat(count(reader, "SELECT count(*) FROM accounts")).isEqualTo(3);
    }
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password())) {
      assertThat(count(c, "SELECT count(*) FROM accounts")).isEqualTo(3);
      assertThat(count(c, "SELECT count(*) FROM pg_tables WHERE tablename = 't'")).isZero();
      assertThat(count(c, "SELECT nextval('ticket')")).isEqualTo(1);
    }
    stillServing();
  }

  /** Metadata reads run confined for a read-only user, as their statements do, and GetSqlInfo says they may only read. */
  @Test
  void readOnlyUsersBrowseKeysAndColumnsAndAreToldTheyMayOnlyRead() throws Exception {
    try (Connection etl = connect("etl", "etlpw77"); Statement s = etl.createStatement()) {
      s.executeUpdate("CREATE TABLE keyed (id INTEGER PRIMARY KEY, label VARCHAR NOT NULL, note VARCHAR)");
      assertThat(etl.getMetaData().isReadOnly()).isFalse();
    }
    try (Connection analyst = connect("analyst", "an4lyst")) { // warehouse, read-only, is its default catalog
      DatabaseMetaData meta = analyst.getMetaData();
      assertThat(meta.isReadOnly()).isTrue();
      List<String> keys = new ArrayList<>();
      try (ResultSet rs = meta.getPrimaryKeys(null, null, "keyed")) {
        while (rs.next()) {
          keys.add(rs.getString("TABLE_CAT") + "." + rs.getString("TABLE_NAME") + "." + rs.getString("COLUMN_NAME"));
        }
      }
      assertThat(keys).containsExactly("warehouse.keyed.id");
      List<String> columns = new ArrayList<>();
      try (ResultSet rs = meta.getColumns("warehouse", null, "keyed", "%")) {
        while (rs.next()) {
          columns.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("IS_NULLABLE"));
        }
      }
      assertThat(columns).containsExactly("id:NO", "label:NO", "note:YES");
    }
    try (Connection reader = connect("pgreader", "pgr34d")) {
      DatabaseMetaData meta = reader.getMetaData();
      assertThat(meta.isReadOnly()).isTrue();
      assertThat(meta.supportsSavepoints()).isTrue(); // PostgreSQL's own answer
      try (ResultSet rs = meta.getColumns("pg", "public", "accounts", "%")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("COLUMN_NAME")).isEqualTo("id");
      }
      try (ResultSet rs = meta.getPrimaryKeys("pg", "public", "accounts")) {
        assertThat(rs.next()).isFalse(); // a table made by CREATE TABLE AS has none
      }
    }
    stillServing();
  }

  @Test
  void aUserWithoutARightNeitherSeesNorUsesTheCatalog() throws Exception {
    try (Connection visitor = connect("visitor", "v1sitor")) {
      assertThat(catalogs(visitor)).containsExactly("scratch");
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = visitor.getMetaData().getTables(null, null, "%", null)) {
        while (rs.next()) {
          tables.add(rs.getString("TABLE_CAT") + "." + rs.getString("TABLE_NAME"));
        }
      }
      assertThat(tables).noneMatch(t -> t.startsWith("warehouse.") || t.startsWith("pg."));
      // the default catalog is the user's own first one: there is no orders table in scratch
      assertThatThrownBy(() -> count(visitor, "SELECT count(*) FROM orders"))
          .isInstanceOf(SQLException.class).hasMessageContaining("orders");
    }
    try (Connection analyst = connect("analyst", "an4lyst")) {
      assertThat(catalogs(analyst)).containsExactly("scratch", "warehouse");
    }
    // choosing the catalog is refused, as for one that does not exist
    assertThatThrownBy(() -> connect("visitor", "v1sitor", "warehouse").close()).isInstanceOf(SQLException.class);
    assertThatThrownBy(() -> connect("analyst", "an4lyst", "pg").close()).isInstanceOf(SQLException.class);
    stillServing();
  }

  @Test
  void wrongPasswordsAndUnknownUsersAreRefused() throws Exception {
    for (String[] credentials : List.of(new String[] {"analyst", "etlpw77"}, new String[] {"nobody", "an4lyst"},
        new String[] {"analyst", "an4lys"})) {
      assertThatThrownBy(() -> connect(credentials[0], credentials[1]).close())
          .isInstanceOf(SQLException.class).hasMessageContaining("wrong user name or password")
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.UNAUTHENTICATED));
    }
    stillServing();
  }

  @Test
  void configMistakesStopTheServerAtStartWithTheirNames() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, String.join("\n",
        "resources:",
        "  warehouse: { kind: duckdb }",
        "users:",
        "  analyst: { password: \"${ANALYST_PASSWORD}\", access: { warehose: read-only, warehouse: readonly } }",
        ""));
    assertThatThrownBy(() -> ServeProcess.start(PASSWORDS, "--config", bad.toString(), "--port", "0"))
        .isInstanceOf(ExecutionException.class)
        .hasMessageContaining("user 'analyst' has access to unknown resource 'warehose' (resources: warehouse)")
        .hasMessageContaining("user 'analyst' has unknown right 'readonly' on 'warehouse'");
    Path unset = dir.resolve("unset.yaml");
    Files.writeString(unset, String.join("\n",
        "resources:",
        "  warehouse: { kind: duckdb }",
        "users:",
        "  analyst: { password: \"${KAPU_TEST_UNSET_PASSWORD}\", access: { warehouse: read-only } }",
        ""));
    assertThatThrownBy(() -> ServeProcess.start(PASSWORDS, "--config", unset.toString(), "--port", "0"))
        .hasMessageContaining("user 'analyst' password names environment variable KAPU_TEST_UNSET_PASSWORD,"
            + " which is not set on the server");
    assertThatThrownBy(() -> ServeProcess.start(PASSWORDS, "--config", unset.toString(), "--user", "kapu"))
        .hasMessageContaining("--user and --password exclude a config with users:");
  }
  /**
   * Plain Flight follows the same rights: uploads go with warehouse (the first pinned DuckDB), so
   * only a user who may write it uploads, only users with a right on it see the tables, and a
   * read-only user's SQL ticket cannot write.
   */
  @Test
  void plainFlightUploadsAndSqlTicketsFollowTheRights() throws Exception {
    Schema xs = new Schema(List.of(Field.nullable("x", new ArrowType.Int(64, true))));
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client = FlightClient.builder(allocator, new Location(serve.printed.get("flight_url"))).build();
        VectorSchemaRoot root = VectorSchemaRoot.create(xs, allocator)) {
      CredentialCallOption analyst = client.authenticateBasicToken("analyst", "an4lyst").orElseThrow();
      CredentialCallOption etl = client.authenticateBasicToken("etl", "etlpw77").orElseThrow();
      CredentialCallOption visitor = client.authenticateBasicToken("visitor", "v1sitor").orElseThrow();
      BigIntVector x = (BigIntVector) root.getVector(0);
      x.allocateNew(3);
      for (int i = 0; i < 3; i++) {
        x.set(i, i + 1);
      }
      root.setRowCount(3);

      ClientStreamListener refused = client.startPut(FlightDescriptor.path("analysts_upload"), root,
          new AsyncPutListener(), analyst);
      refused.putNext();
      refused.completed();
      assertThatThrownBy(refused::getResult)
          .hasMessageContaining("user 'analyst' may only read 'warehouse'")
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.UNAUTHORIZED));

      ClientStreamListener put = client.startPut(FlightDescriptor.path("etls_upload"), root, new AsyncPutListener(), etl);
      put.putNext();
      put.completed();
      put.getResult();

      List<String> seenByAnalyst = new ArrayList<>();
      client.listFlights(Criteria.ALL, analyst).forEach(i -> seenByAnalyst.add(i.getDescriptor().getPath().get(0)));
      assertThat(seenByAnalyst).contains("etls_upload").doesNotContain("analysts_upload");
      List<String> seenByVisitor = new ArrayList<>();
      client.listFlights(Criteria.ALL, visitor).forEach(i -> seenByVisitor.add(i.getDescriptor().getPath().get(0)));
      assertThat(seenByVisitor).isEmpty();
      Ticket table = new Ticket("{\"table\": \"etls_upload\"}".getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> drain(client.getStream(table, visitor)))
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.NOT_FOUND));
      assertThat(drain(client.getStream(table, analyst))).isEqualTo(3);

      Ticket write = new Ticket(("{\"sql\": \"CREATE TABLE sneaky AS SELECT 1 AS n\", \"resource\": \"warehouse\"}")
          .getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> drain(client.getStream(write, analyst))).hasMessageContaining("one SELECT");
      try (Connection etlJdbc = connect("etl", "etlpw77")) {
        assertThat(count(etlJdbc, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'sneaky'"))
            .isZero();
      }
    }
    stillServing();
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
}
