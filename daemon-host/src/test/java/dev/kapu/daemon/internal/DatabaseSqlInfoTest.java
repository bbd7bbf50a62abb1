package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlNullOrdering;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlOuterJoinsSupportLevel;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedCaseSensitivity;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlTransactionIsolationLevel;
import org.apache.arrow.flight.sql.util.SqlInfoOptionsUtils;
import org.junit.jupiter.api.Test;

/** JDBC's answers translated to Flight SQL's encodings. */
class DatabaseSqlInfoTest {

  @Test
  void identifierCase() {
    assertThat(DatabaseSqlInfo.identifierCase(true, false, false, false))
        .isEqualTo(SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_UPPERCASE);
    assertThat(DatabaseSqlInfo.identifierCase(false, true, false, false)) // PostgreSQL, unquoted
        .isEqualTo(SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_LOWERCASE);
    assertThat(DatabaseSqlInfo.identifierCase(false, false, true, false))
        .isEqualTo(SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE);
    assertThat(DatabaseSqlInfo.identifierCase(false, false, false, true)) // PostgreSQL, quoted: case-sensitive
        .isEqualTo(SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_UNKNOWN);
  }

  @Test
  void isolationLevelsAreFlightSqlsNumbersNotJdbcs() {
    assertThat(DatabaseSqlInfo.isolation(Connection.TRANSACTION_READ_COMMITTED))
        .isEqualTo(SqlTransactionIsolationLevel.SQL_TRANSACTION_READ_COMMITTED);
    assertThat(DatabaseSqlInfo.isolation(Connection.TRANSACTION_REPEATABLE_READ).getNumber()).isEqualTo(3);
    assertThat(DatabaseSqlInfo.isolation(Connection.TRANSACTION_SERIALIZABLE).getNumber()).isEqualTo(4);
    assertThat(DatabaseSqlInfo.isolation(Connection.TRANSACTION_NONE))
        .isEqualTo(SqlTransactionIsolationLevel.SQL_TRANSACTION_NONE);
  }

  @Test
  void outerJoinsAreTheBitmaskTheJdbcDriverReads() {
    int full = DatabaseSqlInfo.outerJoins(true, true, true);
    assertThat(SqlInfoOptionsUtils.doesBitmaskTranslateToEnum(SqlOuterJoinsSupportLevel.SQL_FULL_OUTER_JOINS, full)).isTrue();
    assertThat(SqlInfoOptionsUtils.doesBitmaskTranslateToEnum(SqlOuterJoinsSupportLevel.SQL_LIMITED_OUTER_JOINS, full)).isTrue();
    int some = DatabaseSqlInfo.outerJoins(true, false, false);
    assertThat(SqlInfoOptionsUtils.doesBitmaskTranslateToEnum(SqlOuterJoinsSupportLevel.SQL_LIMITED_OUTER_JOINS, some)).isTrue();
    assertThat(DatabaseSqlInfo.outerJoins(false, false, false)).isZero();
  }

  @Test
  void nullOrderingAndLists() {
    assertThat(DatabaseSqlInfo.nullOrdering(false, false, false, true)).isEqualTo(SqlNullOrdering.SQL_NULLS_SORTED_AT_END);
    assertThat(DatabaseSqlInfo.nullOrdering(true, false, false, false)).isEqualTo(SqlNullOrdering.SQL_NULLS_SORTED_HIGH);
    assertThat(DatabaseSqlInfo.list(" abs, ceiling ,,floor ")).containsExactly("abs", "ceiling", "floor");
    assertThat(DatabaseSqlInfo.list(null)).isEmpty();
  }
}
