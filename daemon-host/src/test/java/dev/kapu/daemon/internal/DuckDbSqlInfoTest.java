package dev.kapu.daemon.internal;

import static org.apache.arrow.flight.sql.impl.FlightSql.SqlInfo.SQL_IDENTIFIER_CASE_VALUE;
import static org.apache.arrow.flight.sql.impl.FlightSql.SqlInfo.SQL_QUOTED_IDENTIFIER_CASE_VALUE;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedCaseSensitivity;
import org.junit.jupiter.api.Test;

class DuckDbSqlInfoTest {

  @Test
  void duckDbsFoldingSetting() {
    assertThat(DuckDbSqlInfo.unquotedCase("preserve_case")).isEqualTo(SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE);
    assertThat(DuckDbSqlInfo.unquotedCase("lowercase")).isEqualTo(SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_LOWERCASE);
    assertThat(DuckDbSqlInfo.unquotedCase("true")).isEqualTo(SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE);
    assertThat(DuckDbSqlInfo.unquotedCase("something new")).isEqualTo(SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_UNKNOWN);
  }

  @Test
  void aRealDuckDbMatchesIdentifiersCaseInsensitively() throws Exception {
    try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:")) {
      long insensitive = SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE.getNumber();
      assertThat(DuckDbSqlInfo.read(duckdb))
          .containsEntry(SQL_QUOTED_IDENTIFIER_CASE_VALUE, insensitive)
          .containsEntry(SQL_IDENTIFIER_CASE_VALUE, insensitive); // DuckDB's default keeps the case as written
    }
  }
}
