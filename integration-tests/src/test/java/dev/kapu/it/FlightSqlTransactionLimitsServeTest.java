package dev.kapu.it;

import static dev.kapu.it.SqlClients.column;
import static dev.kapu.it.SqlClients.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.bench.ThrowawayPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What ends a transaction the client did not end, against {@code kapu serve --relay
 * --transaction-idle-seconds 2} on DuckDB and PostgreSQL: the idle timeout (its locks go, and the
 * client's next statement says why), and the loss of the daemon holding it (SIGKILL: the next
 * statement fails with the reason instead of waiting). Also: with results relayed, a query inside a
 * transaction runs in its place among the transaction's statements, not when it is fetched.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlightSqlTransactionLimitsServeTest {
  static final String ETL = FlightSqlTransactionsServeTest.ETL;
  static final String ETL_PW = FlightSqlTransactionsServeTest.ETL_PW;
  static final long IDLE_SECONDS = 2;

  @TempDir static Path dir;
  static ThrowawayPostgres postgres;
  static ServeProcess serve;
  static BufferAllocator allocator;

  @BeforeAll
  static void start() throws Exception {
    postgres = ThrowawayPostgres.start();
    serve = ServeProcess.start(FlightSqlTransactionsServeTest.PASSWORDS, "--config",
        FlightSqlTransactionsServeTest.config(dir, postgres).toString(), "--port", "0", "--daemons", "2", "--relay",
        "--transaction-idle-seconds", Long.toString(IDLE_SECONDS));
    allocator = new RootAllocator();
    for (String catalog : new String[] {"duckdb", "pg"}) {
      for (String table : new String[] {"relayed", "idle", "idle_sql", "lost"}) {
        SqlClients.table(serve, ETL, ETL_PW, catalog, table);
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    SqlClients.stop(serve, allocator, postgres);
  }

  SqlClients.Flight flight(String catalog) {
    return new SqlClients.Flight(serve, allocator, ETL, ETL_PW, catalog);
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "pg"})
  @Order(1)
  void aRelayedQueryRunsWhereItStandsInTheTransaction(String catalog) throws Exception {
    try (SqlClients.Flight f = flight(catalog)) {
      FlightSqlClient.Transaction t = f.sql.beginTransaction(f.auth);
      f.sql.executeUpdate("INSERT INTO relayed VALUES (3, 30)", t, f.auth);
      FlightInfo before = f.sql.execute("SELECT count(*) FROM relayed", t, f.auth);
      assertThat(before.getEndpoints()).allMatch(e -> e.getLocations().isEmpty()); // relayed by the server
      f.sql.executeUpdate("INSERT INTO relayed VALUES (4, 40)", t, f.auth);
      assertThat(f.column(before)).containsExactly("3"); // as it stood when asked for
      assertThat(f.column(f.sql.execute("SELECT count(*) FROM relayed", t, f.auth))).containsExactly("4");
      f.sql.rollback(t, f.auth);
    }
  }

  /**
   * Whether a write can take row 1 of {@code table} now, from outside: on DuckDB an update
   * conflicts with a transaction's uncommitted one; on PostgreSQL the row lock is refused.
   */
  static boolean rowFree(String catalog, String table) throws SQLException {
    if (catalog.equals("pg")) {
      try (Connection direct = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
          Statement s = direct.createStatement()) {
        direct.setAutoCommit(false);
        s.executeQuery("SELECT v FROM " + table + " WHERE id = 1 FOR UPDATE NOWAIT").close();
        direct.rollback();
        return true;
      } catch (SQLException locked) {
        assertThat(locked.getSQLState()).isEqualTo("55P03"); // lock_not_available
        return false;
      }
    }
    Connection c = SqlClients.jdbc(serve, ETL, ETL_PW, catalog);
    try (Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE " + table + " SET v = v WHERE id = 1");
      return true;
    } catch (SQLException conflict) {
      assertThat(conflict.getMessage()).containsIgnoringCase("conflict");
      return false;
    } finally {
      SqlClients.close(c);
    }
  }

  /** Waits until row 1 is free again; the seconds it took from {@code since}. */
  static double awaitRowFree(String catalog, String table, long since) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(IDLE_SECONDS + 60);
    while (!rowFree(catalog, table)) {
      assertThat(System.nanoTime()).as("the idle transaction is rolled back within its timeout plus slack")
          .isLessThan(deadline);
      Thread.sleep(200);
    }
    return (System.nanoTime() - since) / 1e9;
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "pg"})
  @Order(2)
  void anIdleTransactionIsRolledBackAndSaysSo(String catalog) throws Exception {
    try (SqlClients.Flight f = flight(catalog)) {
      FlightSqlClient.Transaction t = f.sql.beginTransaction(f.auth);
      f.sql.executeUpdate("UPDATE idle SET v = 11 WHERE id = 1", t, f.auth);
      long idleSince = System.nanoTime();
      assertThat(rowFree(catalog, "idle")).isFalse();
      double seconds = awaitRowFree(catalog, "idle", idleSince);
      System.out.printf("transaction_idle_rollback_%s_seconds=%.1f (timeout %d s)%n", catalog, seconds, IDLE_SECONDS);
      assertThatThrownBy(() -> f.sql.executeUpdate("UPDATE idle SET v = 12 WHERE id = 1", t, f.auth))
          .hasMessageContaining("rolled back after " + IDLE_SECONDS + " s without a statement (its idle timeout)");
      f.sql.rollback(t, f.auth); // what the client meant: done already
    }
    Connection c = SqlClients.jdbc(serve, ETL, ETL_PW, catalog);
    try {
      assertThat(column(c, "SELECT v FROM idle WHERE id = 1")).containsExactly("10");
    } finally {
      SqlClients.close(c);
    }
  }

  /** SQL BEGIN: once rolled back behind the client's back, the session's statements fail until it says ROLLBACK. */
  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "pg"})
  @Order(3)
  void anIdleSqlTransactionFailsTheSessionsStatementsUntilRolledBack(String catalog) throws Exception {
    Connection c = SqlClients.jdbc(serve, ETL, ETL_PW, catalog);
    try (Statement s = c.createStatement()) {
      s.execute("BEGIN");
      s.executeUpdate("UPDATE idle_sql SET v = 11 WHERE id = 1");
      awaitRowFree(catalog, "idle_sql", System.nanoTime());
      assertThatThrownBy(() -> count(c, "idle_sql")).hasMessageContaining("its idle timeout");
      assertThatThrownBy(() -> s.executeUpdate("INSERT INTO idle_sql VALUES (3, 30)"))
          .hasMessageContaining("its idle timeout");
      assertThatThrownBy(() -> s.execute("COMMIT")).hasMessageContaining("its idle timeout");
      s.execute("BEGIN");
      s.execute("ROLLBACK");
      assertThat(count(c, "idle_sql")).isEqualTo(2);
    } finally {
      SqlClients.close(c);
    }
  }

  @Test
  @Order(4)
  void aTransactionLostWithItsDaemonSaysSo() throws Exception {
    try (SqlClients.Flight duck = flight("duckdb"); SqlClients.Flight pg = flight("pg")) {
      FlightSqlClient.Transaction onDuck = duck.sql.beginTransaction(duck.auth);
      FlightSqlClient.Transaction onPg = pg.sql.beginTransaction(pg.auth);
      duck.sql.executeUpdate("INSERT INTO lost VALUES (3, 30)", onDuck, duck.auth);
      pg.sql.executeUpdate("INSERT INTO lost VALUES (3, 30)", onPg, pg.auth);
      serve.daemons.forEach(ProcessHandle::destroyForcibly); // SIGKILL every daemon
      for (ProcessHandle daemon : serve.daemons) {
        daemon.onExit().get(30, TimeUnit.SECONDS);
      }
      long start = System.nanoTime();
      assertThatThrownBy(() -> duck.sql.executeUpdate("INSERT INTO lost VALUES (4, 40)", onDuck, duck.auth))
          .hasMessageContaining("was lost with daemon").hasMessageContaining("rolled it back");
      assertThatThrownBy(() -> pg.column(pg.sql.execute("SELECT count(*) FROM lost", onPg, pg.auth)))
          .hasMessageContaining("was lost with daemon");
      System.out.printf("transaction_lost_error_seconds=%.1f%n", (System.nanoTime() - start) / 1e9);
      pg.sql.rollback(onPg, pg.auth);
    }
    try (Connection direct = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password())) {
      assertThat(count(direct, "lost")).isEqualTo(2); // PostgreSQL rolled it back when the connection died
    }
  }
}
