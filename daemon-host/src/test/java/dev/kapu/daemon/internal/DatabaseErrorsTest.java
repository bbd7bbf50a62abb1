package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.ReadOnlyException;
import dev.kapu.serial.ErrorCategory;
import dev.kapu.serial.RemoteError;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.arrow.adbc.core.AdbcException;
import org.apache.arrow.adbc.core.AdbcStatusCode;
import org.junit.jupiter.api.Test;

class DatabaseErrorsTest {

  /** What DuckDB itself throws for {@code sql}, run after the setup statements. */
  private static SQLException duckdb(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL)");
      s.execute("INSERT INTO t VALUES (1, 'a')");
      s.execute(sql);
    } catch (SQLException e) {
      return e;
    }
    throw new AssertionError("DuckDB ran " + sql);
  }

  @Test
  void duckDbsOwnErrorsAreJudgedByTheirType() throws SQLException {
    Map<String, ErrorCategory> expected = new LinkedHashMap<>();
    expected.put("SELEC 1", ErrorCategory.INVALID_STATEMENT);
    expected.put("SELECT * FROM nope", ErrorCategory.UNKNOWN_NAME);
    expected.put("SELECT nope FROM t", ErrorCategory.UNKNOWN_NAME);
    expected.put("SELECT t.nope FROM t", ErrorCategory.UNKNOWN_NAME);
    expected.put("SELECT nofunc(1)", ErrorCategory.UNKNOWN_NAME);
    expected.put("SELECT * FROM read_csv('/nonexistent/kapu.csv')", ErrorCategory.UNKNOWN_NAME);
    expected.put("CREATE TABLE t (x INTEGER)", ErrorCategory.ALREADY_EXISTS);
    expected.put("SELECT CAST(name AS INTEGER) FROM t", ErrorCategory.INVALID_STATEMENT);
    expected.put("INSERT INTO t VALUES (1, 'b')", ErrorCategory.INVALID_STATEMENT);
    expected.put("INSERT INTO t VALUES (2, NULL)", ErrorCategory.INVALID_STATEMENT);
    expected.put("SELECT 2147483647::INTEGER + 1", ErrorCategory.INVALID_STATEMENT);
    expected.put("SELECT error('raised')", ErrorCategory.INVALID_STATEMENT);
    for (Map.Entry<String, ErrorCategory> e : expected.entrySet()) {
      String sql = e.getKey();
      SQLException thrown = duckdb(sql);
      assertThat(DatabaseErrors.categorize(thrown)).as(sql.substring(0, Math.min(60, sql.length())) + ": "
          + thrown.getMessage()).isEqualTo(e.getValue());
    }
  }

  @Test
  void duckDbsOtherTypes() {
    assertThat(DatabaseErrors.byDuckDbMessage("Out of Memory Error: failed to allocate")).isEqualTo(
        ErrorCategory.RESOURCES_EXHAUSTED);
    assertThat(DatabaseErrors.byDuckDbMessage("INTERRUPT Error: Interrupted!")).isEqualTo(ErrorCategory.CANCELLED);
    assertThat(DatabaseErrors.byDuckDbMessage("Permission Error: file system operations are disabled"))
        .isEqualTo(ErrorCategory.NOT_PERMITTED);
    assertThat(DatabaseErrors.byDuckDbMessage("TransactionContext Error: Catalog write-write conflict on create"))
        .isEqualTo(ErrorCategory.TRANSIENT);
    assertThat(DatabaseErrors.byDuckDbMessage("Invalid Input Error: Cannot execute statement of type \"CREATE\" on"
        + " database \"w\" which is attached in read-only mode!")).isEqualTo(ErrorCategory.NOT_PERMITTED);
    assertThat(DatabaseErrors.byDuckDbMessage("INTERNAL Error: Attempted to access index 3")).isEqualTo(
        ErrorCategory.DATABASE_FAILURE);
    assertThat(DatabaseErrors.byDuckDbMessage("Missing Extension Error: httpfs is required")).isEqualTo(
        ErrorCategory.UNSUPPORTED);
    assertThat(DatabaseErrors.byDuckDbMessage("Binder Error: Max expression depth limit of 1000 exceeded."))
        .isEqualTo(ErrorCategory.INVALID_STATEMENT);
    assertThat(DatabaseErrors.byDuckDbMessage("Widget Error: not DuckDB's")).isNull();
    assertThat(DatabaseErrors.byDuckDbMessage("no type here")).isNull();
  }

  @Test
  void sqlStatesByExactCodeThenByClass() {
    Map<String, ErrorCategory> expected = new LinkedHashMap<>();
    expected.put("42601", ErrorCategory.INVALID_STATEMENT); // syntax_error
    expected.put("42P01", ErrorCategory.UNKNOWN_NAME);
    expected.put("42703", ErrorCategory.UNKNOWN_NAME);
    expected.put("42883", ErrorCategory.UNKNOWN_NAME);
    expected.put("3F000", ErrorCategory.UNKNOWN_NAME);
    expected.put("42P07", ErrorCategory.ALREADY_EXISTS);
    expected.put("42501", ErrorCategory.NOT_PERMITTED);
    expected.put("25006", ErrorCategory.NOT_PERMITTED);
    expected.put("25P02", ErrorCategory.INVALID_STATEMENT); // in_failed_sql_transaction
    expected.put("22P02", ErrorCategory.INVALID_STATEMENT); // invalid_text_representation
    expected.put("22012", ErrorCategory.INVALID_STATEMENT); // division_by_zero
    expected.put("23505", ErrorCategory.INVALID_STATEMENT); // unique_violation
    expected.put("40001", ErrorCategory.TRANSIENT);         // serialization_failure
    expected.put("40P01", ErrorCategory.TRANSIENT);         // deadlock_detected
    expected.put("53200", ErrorCategory.RESOURCES_EXHAUSTED);
    expected.put("57014", ErrorCategory.CANCELLED);
    expected.put("57P01", ErrorCategory.TRANSIENT);         // admin_shutdown
    expected.put("08006", ErrorCategory.TRANSIENT);
    expected.put("0A000", ErrorCategory.UNSUPPORTED);
    expected.put("P0001", ErrorCategory.INVALID_STATEMENT); // raise_exception
    expected.put("XX000", null);                             // internal_error: no meaning of its own
    expected.put("0", null);
    expected.forEach((state, category) ->
        assertThat(DatabaseErrors.bySqlState(state)).as(state).isEqualTo(category));
    assertThat(DatabaseErrors.categorize(new SQLException("ERROR: internal", "XX000")))
        .isEqualTo(ErrorCategory.DATABASE_FAILURE);
  }

  @Test
  void causesAreSearchedAndKapusRefusalsCount() {
    SQLException missing = new SQLException("ERROR: relation \"nope\" does not exist", "42P01");
    assertThat(DatabaseErrors.categorize(new IllegalStateException("statement failed", new IOException(missing))))
        .isEqualTo(ErrorCategory.UNKNOWN_NAME);
    assertThat(DatabaseErrors.categorize(new ReadOnlyException("the statement tried to write",
        new SQLException("ERROR: cannot execute INSERT in a read-only transaction", "25006"))))
        .isEqualTo(ErrorCategory.NOT_PERMITTED);
    assertThat(DatabaseErrors.categorize(new SQLTransientConnectionException("pool: connection is not available")))
        .isEqualTo(ErrorCategory.TRANSIENT);
    assertThat(DatabaseErrors.categorize(new AdbcException("no table", null, AdbcStatusCode.NOT_FOUND, null, 0)))
        .isEqualTo(ErrorCategory.UNKNOWN_NAME);
    assertThat(DatabaseErrors.categorize(new IllegalStateException("a task's own failure"))).isNull();
  }

  @Test
  void aDatabasesFailureTravelsWithItsCategoryAndWithoutClassNames() throws SQLException {
    SQLException parse = duckdb("SELEC 1");
    RemoteError error = DatabaseErrors.remoteError(new IOException(parse));
    assertThat(error.category()).isEqualTo(ErrorCategory.INVALID_STATEMENT);
    assertThat(error.message()).startsWith("Parser Error: syntax error").doesNotContain("java.sql");
    RemoteError own = DatabaseErrors.remoteError(new IllegalStateException("a task's own failure"));
    assertThat(own.category()).isNull();
    assertThat(own.message()).isEqualTo("a task's own failure");
  }
}
