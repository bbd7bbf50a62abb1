package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedCaseSensitivity;

/** {@link SqlToolsServeTest} on {@code kapu serve}'s own in-memory DuckDB, the catalog {@code duckdb}. */
class DuckDbToolsServeTest extends SqlToolsServeTest {

  @Override
  ServeProcess startServer(Path dir) throws Exception {
    return ServeProcess.start("--port", "0", "--daemons", "1");
  }

  @Override
  String catalog() {
    return "duckdb";
  }

  @Override
  String schema() {
    return "main";
  }

  @Override
  String decimalTypeName() {
    return "DECIMAL(18,3)";
  }

  @Override
  boolean describesResultNullability() {
    return false; // DuckDB's prepared statements know types, not where a column comes from
  }

  /** A DuckDB of this process: the served one is in the daemon, and DuckDB answers the same for every database. */
  @Override
  Connection databaseItself() throws SQLException {
    return DriverManager.getConnection("jdbc:duckdb:");
  }

  @Override
  void assertResultColumnsOfATable(ResultSetMetaData meta) throws SQLException {
    assertThat(meta.getTableName(1)).isNullOrEmpty();
  }

  @Override
  void assertIdentifierCase(long sqlIdentifierCase) {
    // kept as written, matched case-insensitively (DuckDB's preserve_identifier_case)
    assertThat(sqlIdentifierCase).isEqualTo(SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE_VALUE);
  }
}
