package dev.kapu.it;

import static dev.kapu.it.SqlClients.column;
import static dev.kapu.it.SqlClients.count;
import static dev.kapu.it.SqlClients.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.bench.ThrowawayPostgres;
import dev.kapu.client.RemoteSql;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CloseSessionRequest;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.sql.FlightSqlClient.ExecuteIngestOptions;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest.TableDefinitionOptions.TableExistsOption;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest.TableDefinitionOptions.TableNotExistOption;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest.TableDefinitionOptions;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Transactions against {@code kapu serve} in a process of its own, on an embedded DuckDB and on a
 * real PostgreSQL: Flight SQL's transaction calls (sent by {@link FlightSqlClient}), SQL BEGIN,
 * COMMIT and ROLLBACK through the Flight SQL JDBC driver (which sends no transaction calls),
 * savepoints, the rollback when a session closes, a read-only user's transaction, bulk ingest
 * into a transaction, {@code RemoteSql} and {@code kapu query --transaction}. What a transaction
 * did is checked from a second connection, before and after it ends.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FlightSqlTransactionsServeTest {
  static final Map<String, String> PASSWORDS = Map.of("ETL_PASSWORD", "etl-pw-1", "READER_PASSWORD", "reader-pw-2");
  static final String ETL = "etl";
  static final String ETL_PW = "etl-pw-1";
  static final String READER = "reader";
  static final String READER_PW = "reader-pw-2";

  @TempDir static Path dir;
  static ThrowawayPostgres postgres;
  static ServeProcess serve;
  static BufferAllocator allocator;

  @BeforeAll
  static void start() throws Exception {
    postgres = ThrowawayPostgres.start();
    serve = ServeProcess.start(PASSWORDS, "--config", config(dir, postgres).toString(), "--port", "0",
        "--daemons", "2");
    allocator = new RootAllocator();
  }

  /** duckdb (pinned; the default catalog) and pg; etl may write both, reader only read them. */
  static Path config(Path dir, ThrowawayPostgres postgres) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  duckdb: { kind: duckdb, placement: pinned }",
        "  pg:",
        "    kind: jdbc",
        "    options: { url: \"" + postgres.jdbcUrl() + "\", user: \"" + postgres.user() + "\", password: \""
            + postgres.password() + "\" }",
        "users:",
        "  etl: { password: \"${ETL_PASSWORD}\", access: { \"*\": read-write } }",
        "  reader: { password: \"${READER_PASSWORD}\", access: { \"*\": read-only } }",
        ""));
    return config;
  }

  @AfterAll
  static void stop() throws Exception {
    SqlClients.stop(serve, allocator, postgres);
  }

  /** A JDBC connection as etl on {@code catalog}, autocommitting each statement: the "second connection". */
  static Connection etl(String catalog) throws SQLException {
    return SqlClients.jdbc(serve, ETL, ETL_PW, catalog);
  }

  static void table(String catalog, String name) throws SQLException {
    SqlClients.table(serve, ETL, ETL_PW, catalog, name);
  }

  static long countFromOutside(String catalog, String table) throws SQLException {
    Connection c = etl(catalog);
    try {
      return count(c, table);
    } finally {
      SqlClients.close(c);
    }
  }

  SqlClients.Flight flight(String user, String password, String catalog) {
    return new SqlClients.Flight(serve, allocator, user, password, catalog);
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "pg"})
  void aTransactionCommitsAndAnotherRollsBack(String catalog) throws Exception {
    String table = "rpc_" + catalog;
    table(catalog, table);
    try (SqlClients.Flight f = flight(ETL, ETL_PW, catalog)) {
      FlightSqlClient.Transaction kept = f.sql.beginTransaction(f.auth);
      assertThat(f.sql.executeUpdate("INSERT INTO " + table + " VALUES (3, 30), (4, 40)", kept, f.auth)).isEqualTo(2);
      assertThat(f.sql.executeUpdate("UPDATE " + table + " SET v = v + 1 WHERE id = 1", kept, f.auth)).isEqualTo(1);
      // the transaction sees its own changes (a query, and a prepared statement made in it) ...
      assertThat(f.column(f.sql.execute("SELECT count(*) FROM " + table, kept, f.auth))).containsExactly("4");
      try (FlightSqlClient.PreparedStatement p = f.sql.prepare("SELECT v FROM " + table + " WHERE id = 1", kept, f.auth)) {
        assertThat(f.column(p.execute(f.auth))).containsExactly("11");
      }
      // ... nobody else does, until it commits
      assertThat(countFromOutside(catalog, table)).isEqualTo(2);
      f.sql.commit(kept, f.auth);
      assertThat(countFromOutside(catalog, table)).isEqualTo(4);

      FlightSqlClient.Transaction undone = f.sql.beginTransaction(f.auth);
      assertThat(f.sql.executeUpdate("DELETE FROM " + table, undone, f.auth)).isEqualTo(4);
      assertThat(f.column(f.sql.execute("SELECT count(*) FROM " + table, undone, f.auth))).containsExactly("0");
      assertThat(countFromOutside(catalog, table)).isEqualTo(4);
      f.sql.rollback(undone, f.auth);
      assertThat(countFromOutside(catalog, table)).isEqualTo(4);
      // an ended transaction takes no more statements
      assertThatThrownBy(() -> f.sql.executeUpdate("DELETE FROM " + table, undone, f.auth))
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.NOT_FOUND))
          .hasMessageContaining("no open transaction");
    }
    assertThat(countFromOutside(catalog, table)).isEqualTo(4);
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "pg"})
  void sqlBeginRollbackAndCommitThroughTheJdbcDriver(String catalog) throws Exception {
    String table = "sql_" + catalog;
    table(catalog, table);
    // duckdb is etl's default catalog: that connection has no session until BEGIN makes one
    Connection c = etl(catalog.equals("duckdb") ? null : catalog);
    try (Statement s = c.createStatement()) {
      s.execute("BEGIN");
      assertThat(s.executeUpdate("INSERT INTO " + table + " VALUES (3, 30)")).isEqualTo(1);
      try (PreparedStatement p = c.prepareStatement("INSERT INTO " + table + " VALUES (?, ?)")) {
        p.setInt(1, 4);
        p.setInt(2, 40);
        assertThat(p.executeUpdate()).isEqualTo(1);
      }
      assertThat(count(c, table)).isEqualTo(4);
      assertThat(countFromOutside(catalog, table)).isEqualTo(2);
      s.execute("ROLLBACK");
      assertThat(count(c, table)).isEqualTo(2);
      assertThat(countFromOutside(catalog, table)).isEqualTo(2);

      s.execute("START TRANSACTION");
      s.executeUpdate("INSERT INTO " + table + " VALUES (5, 50)");
      assertThat(countFromOutside(catalog, table)).isEqualTo(2);
      s.execute("COMMIT");
      assertThat(countFromOutside(catalog, table)).isEqualTo(3);

      // out of a transaction, ending one is refused, saying why
      assertThatThrownBy(() -> s.execute("ROLLBACK")).hasMessageContaining("no transaction is open in this session");
      s.execute("BEGIN");
      assertThatThrownBy(() -> s.execute("BEGIN")).hasMessageContaining("already open");
      s.execute("END");
    } finally {
      SqlClients.close(c);
    }
  }

  /**
   * Inside a transaction, describing a statement that cannot be wrapped in a query (INSERT ...
   * RETURNING, PRAGMA, SHOW) neither runs it twice nor disturbs the transaction; a statement that
   * fails leaves the transaction to the database (both abort it until ROLLBACK).
   */
  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "pg"})
  void writingQueriesAndFailuresInsideATransaction(String catalog) throws Exception {
    String table = "returning_" + catalog;
    table(catalog, table);
    Connection c = etl(catalog);
    try (Statement s = c.createStatement()) {
      s.execute("BEGIN");
      try (ResultSet rs = s.executeQuery("INSERT INTO " + table + " VALUES (3, 30) RETURNING v")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(30);
        assertThat(rs.next()).isFalse();
      }
      assertThat(count(c, table)).isEqualTo(3);
      assertThat(column(c, catalog.equals("duckdb") ? "PRAGMA table_info('" + table + "')" : "SHOW transaction_read_only"))
          .isNotEmpty();
      assertThat(count(c, table)).isEqualTo(3);
      assertThatThrownBy(() -> count(c, "no_such_table")).hasMessageContaining("no_such_table");
      assertThatThrownBy(() -> s.executeUpdate("INSERT INTO " + table + " VALUES (4, 40)"))
          .hasMessageContaining("aborted");
      s.execute("ROLLBACK");
      assertThat(count(c, table)).isEqualTo(2);
    } finally {
      SqlClients.close(c);
    }
  }

  @Test
  void savepointsOnPostgres() throws Exception {
    table("pg", "savepoints");
    try (SqlClients.Flight f = flight(ETL, ETL_PW, "pg")) {
      FlightSqlClient.Transaction t = f.sql.beginTransaction(f.auth);
      f.sql.executeUpdate("INSERT INTO savepoints VALUES (3, 30)", t, f.auth);
      FlightSqlClient.Savepoint before = f.sql.beginSavepoint(t, "before_more", f.auth);
      f.sql.executeUpdate("INSERT INTO savepoints VALUES (4, 40)", t, f.auth);
      f.rollback(before);
      f.sql.executeUpdate("INSERT INTO savepoints VALUES (5, 50)", t, f.auth);
      FlightSqlClient.Savepoint kept = f.sql.beginSavepoint(t, "kept", f.auth);
      f.sql.executeUpdate("INSERT INTO savepoints VALUES (6, 60)", t, f.auth);
      f.sql.release(kept, f.auth);
      f.sql.commit(t, f.auth);
    }
    Connection c = etl("pg");
    try (Statement s = c.createStatement()) {
      assertThat(column(c, "SELECT id FROM savepoints ORDER BY id")).containsExactly("1", "2", "3", "5", "6");
      // and as SQL, through the JDBC driver
      s.execute("BEGIN");
      s.executeUpdate("DELETE FROM savepoints WHERE id = 6");
      s.execute("SAVEPOINT Before_Delete");
      s.executeUpdate("DELETE FROM savepoints");
      assertThat(count(c, "savepoints")).isZero();
      s.execute("ROLLBACK TO SAVEPOINT before_delete");
      assertThat(count(c, "savepoints")).isEqualTo(4);
      s.execute("RELEASE SAVEPOINT before_delete");
      assertThatThrownBy(() -> s.execute("ROLLBACK TO before_delete")).hasMessageContaining("no savepoint");
      s.execute("COMMIT");
      assertThat(column(c, "SELECT id FROM savepoints ORDER BY id")).containsExactly("1", "2", "3", "5");
      assertThatThrownBy(() -> s.execute("SAVEPOINT outside")).hasMessageContaining("BEGIN first");
    } finally {
      SqlClients.close(c);
    }
  }

  /** DuckDB (2.0) has no savepoints: asking for one is refused, and the transaction goes on. */
  @Test
  void duckDbRefusesSavepointsAndTheTransactionGoesOn() throws Exception {
    table("duckdb", "no_savepoints");
    try (SqlClients.Flight f = flight(ETL, ETL_PW, "duckdb")) {
      FlightSqlClient.Transaction t = f.sql.beginTransaction(f.auth);
      f.sql.executeUpdate("INSERT INTO no_savepoints VALUES (3, 30)", t, f.auth);
      assertThatThrownBy(() -> f.sql.beginSavepoint(t, "s", f.auth))
          .hasMessageContaining("'duckdb' (DuckDB) has no savepoints")
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.INVALID_ARGUMENT));
      f.sql.executeUpdate("INSERT INTO no_savepoints VALUES (4, 40)", t, f.auth);
      f.sql.commit(t, f.auth);
    }
    assertThat(countFromOutside("duckdb", "no_savepoints")).isEqualTo(4);
    Connection c = etl(null);
    try (Statement s = c.createStatement()) {
      s.execute("BEGIN");
      assertThatThrownBy(() -> s.execute("SAVEPOINT s")).hasMessageContaining("has no savepoints");
      s.execute("ROLLBACK");
    } finally {
      SqlClients.close(c);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "pg"})
  void closingTheSessionRollsBackItsTransactions(String catalog) throws Exception {
    String table = "session_" + catalog;
    table(catalog, table);
    SqlClients.Flight f = flight(ETL, ETL_PW, catalog);
    FlightSqlClient.Transaction t;
    try {
      t = f.sql.beginTransaction(f.auth);
      f.sql.executeUpdate("INSERT INTO " + table + " VALUES (3, 30)", t, f.auth);
      f.sql.closeSession(new CloseSessionRequest(), f.auth);
      assertThatThrownBy(() -> f.sql.commit(t, f.auth))
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.NOT_FOUND));
    } finally {
      f.close();
    }
    assertThat(countFromOutside(catalog, table)).isEqualTo(2);
    // RemoteSql ends its session when closed, rolling back what it left open
    try (RemoteSql remote = RemoteSql.connect(URI.create(serve.printed.get("flight_url")), ETL, ETL_PW, null, allocator)) {
      remote.catalog(catalog);
      RemoteSql.Transaction open = remote.begin();
      open.update("INSERT INTO " + table + " VALUES (4, 40)");
    }
    assertThat(countFromOutside(catalog, table)).isEqualTo(2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "pg"})
  void aReadOnlyUsersTransactionCannotWrite(String catalog) throws Exception {
    String table = "guarded_" + catalog;
    table(catalog, table);
    Connection c = etl(catalog);
    try (Statement s = c.createStatement()) {
      s.executeUpdate("CREATE SEQUENCE guarded_seq_" + catalog);
    } finally {
      SqlClients.close(c);
    }
    try (SqlClients.Flight f = flight(READER, READER_PW, catalog)) {
      FlightSqlClient.Transaction t = f.sql.beginTransaction(f.auth);
      assertThat(f.column(f.sql.execute("SELECT count(*) FROM " + table, t, f.auth))).containsExactly("2");
      assertThatThrownBy(() -> f.sql.executeUpdate("DELETE FROM " + table, t, f.auth))
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.UNAUTHORIZED))
          .hasMessageContaining("may only read");
      // a write hidden in a query: the database refuses it in the read-only transaction
      assertThatThrownBy(() -> f.column(f.sql.execute("SELECT nextval('guarded_seq_" + catalog + "')", t, f.auth)))
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.UNAUTHORIZED));
      f.sql.rollback(t, f.auth);
    }
    Connection reader = SqlClients.jdbc(serve, READER, READER_PW, catalog);
    try (Statement s = reader.createStatement()) {
      s.execute("BEGIN");
      assertThatThrownBy(() -> s.executeUpdate("DELETE FROM " + table)).hasMessageContaining("may only read");
      assertThat(count(reader, table)).isEqualTo(2);
      s.execute("ROLLBACK");
    } finally {
      SqlClients.close(reader);
    }
    assertThat(countFromOutside(catalog, table)).isEqualTo(2);
  }

  @Test
  void bulkIngestJoinsATransaction() throws Exception {
    Schema schema = new Schema(List.of(Field.nullable("id", new ArrowType.Int(32, true)),
        Field.nullable("v", new ArrowType.Int(32, true))));
    ExecuteIngestOptions append = new ExecuteIngestOptions("ingested_in_tx", TableDefinitionOptions.newBuilder()
        .setIfNotExist(TableNotExistOption.TABLE_NOT_EXIST_OPTION_CREATE)
        .setIfExists(TableExistsOption.TABLE_EXISTS_OPTION_APPEND).build(), null, null, Map.of());
    try (SqlClients.Flight f = flight(ETL, ETL_PW, "duckdb");
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      IntVector id = (IntVector) root.getVector("id");
      IntVector v = (IntVector) root.getVector("v");
      for (int i = 0; i < 100; i++) {
        id.setSafe(i, i);
        v.setSafe(i, i * 10);
      }
      root.setRowCount(100);
      FlightSqlClient.Transaction t = f.sql.beginTransaction(f.auth);
      assertThat(f.sql.executeIngest(root, append, t, f.auth)).isEqualTo(100);
      assertThat(f.sql.executeIngest(root, append, t, f.auth)).isEqualTo(100);
      assertThat(f.column(f.sql.execute("SELECT count(*) FROM ingested_in_tx", t, f.auth))).containsExactly("200");
      Connection c = etl(null);
      try {
        assertThatThrownBy(() -> count(c, "ingested_in_tx")).hasMessageContaining("ingested_in_tx");
      } finally {
        SqlClients.close(c);
      }
      f.sql.commit(t, f.auth);
    }
    assertThat(countFromOutside("duckdb", "ingested_in_tx")).isEqualTo(200);
  }

  /** Ingest is the kind's to carry out: a jdbc resource takes none, and says so, in a transaction or not. */
  @Test
  void bulkIngestIntoAKindThatTakesNoneIsRefusedPrecisely() throws Exception {
    Schema schema = new Schema(List.of(Field.nullable("id", new ArrowType.Int(32, true))));
    ExecuteIngestOptions create = new ExecuteIngestOptions("ingested_into_pg", TableDefinitionOptions.newBuilder()
        .setIfNotExist(TableNotExistOption.TABLE_NOT_EXIST_OPTION_CREATE)
        .setIfExists(TableExistsOption.TABLE_EXISTS_OPTION_FAIL).build(), "pg", null, Map.of());
    try (SqlClients.Flight f = flight(ETL, ETL_PW, "pg");
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      ((IntVector) root.getVector("id")).setSafe(0, 1);
      root.setRowCount(1);
      assertThatThrownBy(() -> f.sql.executeIngest(root, create, f.auth))
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.INVALID_ARGUMENT))
          .hasMessageContaining("a resource of kind jdbc does not");
      FlightSqlClient.Transaction t = f.sql.beginTransaction(f.auth);
      assertThatThrownBy(() -> f.sql.executeIngest(root, create, t, f.auth))
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.INVALID_ARGUMENT))
          .hasMessageContaining("a resource of kind jdbc does not");
      f.sql.rollback(t, f.auth);
    }
    table("pg", "after_refused_ingest"); // the daemon serves on
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "pg"})
  void remoteSqlTransactions(String catalog) throws Exception {
    String table = "remote_" + catalog;
    table(catalog, table);
    try (RemoteSql remote = RemoteSql.connect(URI.create(serve.printed.get("flight_url")), ETL, ETL_PW, null, allocator)) {
      remote.catalog(catalog);
      try (RemoteSql.Transaction t = remote.begin()) {
        assertThat(t.returnsRows("INSERT INTO " + table + " VALUES (3, 30)")).isFalse();
        assertThat(t.update("INSERT INTO " + table + " VALUES (3, 30)")).isEqualTo(1);
        try (ArrowReader r = t.query("SELECT sum(v) FROM " + table)) {
          assertThat(r.loadNextBatch()).isTrue();
          assertThat(r.getVectorSchemaRoot().getVector(0).getObject(0).toString()).isEqualTo("60");
        }
        assertThat(countFromOutside(catalog, table)).isEqualTo(2);
        t.commit();
      }
      assertThat(countFromOutside(catalog, table)).isEqualTo(3);
      try (RemoteSql.Transaction t = remote.begin()) {
        t.update("DELETE FROM " + table);
      } // closed without a commit: rolled back
      assertThat(countFromOutside(catalog, table)).isEqualTo(3);
      if (catalog.equals("pg")) {
        try (RemoteSql.Transaction t = remote.begin()) {
          t.update("INSERT INTO " + table + " VALUES (4, 40)");
          RemoteSql.Savepoint s = t.savepoint("after_four");
          t.update("DELETE FROM " + table);
          s.rollback();
          t.commit();
        }
        assertThat(countFromOutside(catalog, table)).isEqualTo(4);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "pg"})
  void kapuQueryRunsStatementsInOneTransaction(String catalog) throws Exception {
    String table = "cli_" + catalog;
    table(catalog, table);
    String url = serve.printed.get("flight_url");
    QueryCliTest.Run ok = QueryCliTest.query(ETL_PW, "--url", url, "--user", ETL, "--catalog", catalog, "--transaction",
        "--format", "csv", "INSERT INTO " + table + " VALUES (3, 30)", "UPDATE " + table + " SET v = 0",
        "SELECT sum(v) AS total FROM " + table);
    assertThat(ok.exit()).as(ok.stderr()).isZero();
    assertThat(ok.stdout()).isEqualTo("1 row changed\n3 rows changed\ntotal\n0\n");
    Connection c = etl(catalog);
    try {
      assertThat(column(c, "SELECT sum(v) FROM " + table)).containsExactly("0");
    } finally {
      SqlClients.close(c);
    }

    QueryCliTest.Run failed = QueryCliTest.query(ETL_PW, "--url", url, "--user", ETL, "--catalog", catalog,
        "--transaction", "DELETE FROM " + table, "SELECT * FROM no_such_table");
    assertThat(failed.exit()).isEqualTo(1);
    assertThat(failed.stdout()).isEqualTo("3 rows changed\n");
    assertThat(failed.stderr()).contains("statement 2 of 2 failed; the transaction is rolled back", "no_such_table");
    assertThat(countFromOutside(catalog, table)).isEqualTo(3);
  }
}
