package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.bench.ThrowawayPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedCaseSensitivity;

/** {@link SqlToolsServeTest} on a PostgreSQL served as a {@code jdbc} resource, the catalog {@code pg}. */
class PostgresToolsServeTest extends SqlToolsServeTest {
  private ThrowawayPostgres postgres;

  @Override
  ServeProcess startServer(Path dir) throws Exception {
    postgres = ThrowawayPostgres.start();
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  pg:",
        "    kind: jdbc",
        "    options: { url: \"" + postgres.jdbcUrl() + "\", user: \"" + postgres.user() + "\", password: \""
            + postgres.password() + "\" }",
        ""));
    return ServeProcess.start("--config", config.toString(), "--port", "0", "--daemons", "1");
  }

  @Override
  void stopDatabase() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  @Override
  String catalog() {
    return "pg";
  }

  @Override
  String schema() {
    return "public";
  }

  @Override
  String decimalTypeName() {
    return "numeric";
  }

  @Override
  String integerTypeName() {
    return "int4";
  }

  @Override
  String varcharTypeName() {
    return "varchar";
  }

  @Override
  boolean describesResultNullability() {
    return true; // PostgreSQL's driver knows each result column's base column
  }

  @Override
  Connection databaseItself() throws SQLException {
    return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
  }

  @Override
  void assertResultColumnsOfATable(ResultSetMetaData meta) throws SQLException {
    assertThat(meta.getCatalogName(2)).isEqualTo("pg");
    assertThat(meta.getSchemaName(2)).isEqualTo("public");
    assertThat(meta.getTableName(2)).isEqualTo("emp");
    assertThat(meta.getTableName(4)).isNullOrEmpty(); // an expression
  }

  @Override
  void assertIdentifierCase(long sqlIdentifierCase) {
    assertThat(sqlIdentifierCase).isEqualTo(SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_LOWERCASE_VALUE);
  }
}
