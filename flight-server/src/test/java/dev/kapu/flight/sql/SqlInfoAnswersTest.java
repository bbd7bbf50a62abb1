package dev.kapu.flight.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlInfo;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedTransaction;
import org.junit.jupiter.api.Test;

/** What a session is told: the database's answers, under Kapu's own, over a baseline. */
class SqlInfoAnswersTest {
  private final SqlInfoAnswers answers = new SqlInfoAnswers("1.2.3");

  @Test
  void everyCodeTheJdbcDriverReadsHasAValueEvenForACatalogThatIsNoSqlDatabase() {
    Map<Integer, Object> none = answers.answer(Map.of(), false);
    for (SqlInfo info : SqlInfo.values()) {
      boolean optional = info == SqlInfo.UNRECOGNIZED
          || info == SqlInfo.FLIGHT_SQL_SERVER_SUBSTRAIT_MIN_VERSION
          || info == SqlInfo.FLIGHT_SQL_SERVER_SUBSTRAIT_MAX_VERSION; // no Substrait, so no versions of it
      if (!optional) {
        assertThat(none).as(info.name()).containsKey(info.getNumber());
      }
    }
    assertThat(none.get(SqlInfo.SQL_TRANSACTIONS_SUPPORTED_VALUE)).isEqualTo(false);
    assertThat(none.get(SqlInfo.FLIGHT_SQL_SERVER_TRANSACTION_VALUE))
        .isEqualTo(SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_NONE_VALUE);
  }

  @Test
  void theDatabaseAnswersWhatItSpeaksAndKapuWhatWorksThroughIt() {
    Map<Integer, Object> database = Map.of(
        SqlInfo.SQL_SUPPORTED_UNIONS_VALUE, 3,
        SqlInfo.SQL_SUPPORTED_POSITIONED_COMMANDS_VALUE, 3, // the database has cursors; Flight SQL results do not
        SqlInfo.FLIGHT_SQL_SERVER_NAME_VALUE, "DuckDB");
    Map<Integer, Object> told = answers.answer(database, false);
    assertThat(told.get(SqlInfo.SQL_SUPPORTED_UNIONS_VALUE)).isEqualTo(3);
    assertThat(told.get(SqlInfo.SQL_SUPPORTED_POSITIONED_COMMANDS_VALUE)).isEqualTo(0);
    assertThat(told.get(SqlInfo.FLIGHT_SQL_SERVER_NAME_VALUE)).isEqualTo("Kapu");
    assertThat(told.get(SqlInfo.FLIGHT_SQL_SERVER_VERSION_VALUE)).isEqualTo("1.2.3");
  }

  @Test
  void transactionsAreAdvertisedAsFarAsTheDatabaseGoes() {
    assertThat(SqlInfoAnswers.transactions(Map.of(SqlInfo.SQL_TRANSACTIONS_SUPPORTED_VALUE, true,
        SqlInfo.SQL_SAVEPOINTS_SUPPORTED_VALUE, true)))
        .isEqualTo(SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_SAVEPOINT);
    assertThat(SqlInfoAnswers.transactions(Map.of(SqlInfo.SQL_TRANSACTIONS_SUPPORTED_VALUE, true,
        SqlInfo.SQL_SAVEPOINTS_SUPPORTED_VALUE, false)))
        .isEqualTo(SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_TRANSACTION);
    assertThat(SqlInfoAnswers.transactions(Map.of(SqlInfo.SQL_TRANSACTIONS_SUPPORTED_VALUE, false)))
        .isEqualTo(SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_NONE);
  }

  @Test
  void readOnlyIsTheUsersRightOrTheDatabases() {
    assertThat(answers.answer(Map.of(), true).get(SqlInfo.FLIGHT_SQL_SERVER_READ_ONLY_VALUE)).isEqualTo(true);
    assertThat(answers.answer(Map.of(SqlInfo.FLIGHT_SQL_SERVER_READ_ONLY_VALUE, true), false)
        .get(SqlInfo.FLIGHT_SQL_SERVER_READ_ONLY_VALUE)).isEqualTo(true);
    assertThat(answers.answer(Map.of(SqlInfo.FLIGHT_SQL_SERVER_READ_ONLY_VALUE, false), false)
        .get(SqlInfo.FLIGHT_SQL_SERVER_READ_ONLY_VALUE)).isEqualTo(false);
  }
}
