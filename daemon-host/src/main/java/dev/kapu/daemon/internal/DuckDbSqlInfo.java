package dev.kapu.daemon.internal;

import static org.apache.arrow.flight.sql.impl.FlightSql.SqlInfo.SQL_IDENTIFIER_CASE_VALUE;
import static org.apache.arrow.flight.sql.impl.FlightSql.SqlInfo.SQL_QUOTED_IDENTIFIER_CASE_VALUE;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedCaseSensitivity;

/**
 * DuckDB's answers to Flight SQL's GetSqlInfo that its JDBC driver gets wrong: the driver claims
 * identifiers are case-sensitive, while DuckDB matches them case-insensitively (keeping unquoted
 * ones as written, unless {@code preserve_identifier_case} folds them).
 */
final class DuckDbSqlInfo {
  private DuckDbSqlInfo() {}

  static Map<Integer, Object> read(Connection connection) throws SQLException {
    Map<Integer, Object> answers = new HashMap<>();
    answers.put(SQL_QUOTED_IDENTIFIER_CASE_VALUE,
        (long) SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE.getNumber());
    try (PreparedStatement s = connection.prepareStatement("SELECT current_setting('preserve_identifier_case')");
        ResultSet r = s.executeQuery()) {
      r.next();
      answers.put(SQL_IDENTIFIER_CASE_VALUE, (long) unquotedCase(r.getString(1)).getNumber());
    } catch (SQLException e) {
      // the setting cannot be read: the driver's answer stands
    }
    return answers;
  }

  /** DuckDB's {@code preserve_identifier_case}, a boolean before DuckDB 1.4 and a folding since. */
  static SqlSupportedCaseSensitivity unquotedCase(String setting) {
    return switch (setting.toLowerCase(Locale.ROOT)) {
      case "preserve_case", "true" -> SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE;
      case "lowercase", "false" -> SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_LOWERCASE;
      case "uppercase" -> SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_UPPERCASE;
      default -> SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_UNKNOWN;
    };
  }
}
