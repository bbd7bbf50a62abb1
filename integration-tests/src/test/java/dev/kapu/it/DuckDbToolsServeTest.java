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

  /** What DuckDB's own driver says, asked in this process. */
  @Override
  int defaultIsolation() {
    try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:")) {
      return duckdb.getMetaData().getDefaultTransactionIsolation();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  boolean savepoints() {
    try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:")) {
      return duckdb.getMetaData().supportsSavepoints();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
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
