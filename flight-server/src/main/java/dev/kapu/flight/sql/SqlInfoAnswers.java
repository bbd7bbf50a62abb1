package dev.kapu.flight.sql;

import static org.apache.arrow.flight.sql.impl.FlightSql.SqlInfo.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedResultSetConcurrency;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedResultSetType;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedTransaction;
import org.apache.arrow.flight.sql.util.SqlInfoOptionsUtils;

/**
 * What GetSqlInfo answers for one session: the database's own answers for the session's catalog
 * (what SQL it speaks, its transactions, limits), over a baseline that gives every code clients
 * read a value (the Flight SQL JDBC driver throws NullPointerException on a missing one), under
 * what Kapu itself decides: its name and version, what works through Flight SQL (forward-only
 * read-only results, cancellation, bulk ingestion, no cursors, no named parameters, catalogs that
 * are not SQL catalogs), and whether this user may write.
 */
final class SqlInfoAnswers {
  private final Map<Integer, Object> server;
  private static final Map<Integer, Object> BASELINE = baseline();

  /** @param version Kapu's version, the server version clients are told */
  SqlInfoAnswers(String version) {
    Map<Integer, Object> s = new HashMap<>();
    s.put(FLIGHT_SQL_SERVER_NAME_VALUE, "Kapu");
    s.put(FLIGHT_SQL_SERVER_VERSION_VALUE, version);
    s.put(FLIGHT_SQL_SERVER_ARROW_VERSION_VALUE, "18.3.0");
    s.put(FLIGHT_SQL_SERVER_SQL_VALUE, true);
    s.put(FLIGHT_SQL_SERVER_SUBSTRAIT_VALUE, false);
    s.put(FLIGHT_SQL_SERVER_CANCEL_VALUE, true);
    s.put(FLIGHT_SQL_SERVER_BULK_INGESTION_VALUE, true); // CommandStatementIngest, served by KapuFlightProducer
    // ingest goes into DuckDB only, and there it joins the transaction it names
    s.put(FLIGHT_SQL_SERVER_INGEST_TRANSACTIONS_SUPPORTED_VALUE, true);
    s.put(FLIGHT_SQL_SERVER_STATEMENT_TIMEOUT_VALUE, 0); // none of Kapu's own
    s.put(FLIGHT_SQL_SERVER_TRANSACTION_TIMEOUT_VALUE, 0);
    // A Kapu catalog is a hosted resource, not a name the database knows: SQL cannot name it.
    s.put(SQL_DDL_CATALOG_VALUE, false);
    s.put(SQL_CATALOGS_SUPPORTED_ACTIONS_VALUE, 0);
    // Results stream once, forward, read-only; statements take positional parameters.
    s.put(SQL_SUPPORTED_RESULT_SET_TYPES_VALUE,
        bitmask(SqlSupportedResultSetType.SQL_RESULT_SET_TYPE_FORWARD_ONLY));
    s.put(SQL_SUPPORTED_CONCURRENCIES_FOR_RESULT_SET_UNSPECIFIED_VALUE, 0);
    s.put(SQL_SUPPORTED_CONCURRENCIES_FOR_RESULT_SET_FORWARD_ONLY_VALUE,
        bitmask(SqlSupportedResultSetConcurrency.SQL_RESULT_SET_CONCURRENCY_READ_ONLY));
    s.put(SQL_SUPPORTED_CONCURRENCIES_FOR_RESULT_SET_SCROLL_SENSITIVE_VALUE, 0);
    s.put(SQL_SUPPORTED_CONCURRENCIES_FOR_RESULT_SET_SCROLL_INSENSITIVE_VALUE, 0);
    s.put(SQL_SUPPORTED_POSITIONED_COMMANDS_VALUE, 0);
    s.put(SQL_NAMED_PARAMETERS_SUPPORTED_VALUE, false);
    // Metadata calls honour \ in name patterns, whatever the database's own escape.
    s.put(SQL_SEARCH_STRING_ESCAPE_VALUE, "\\");
    server = Map.copyOf(s);
  }

  /**
   * The answers for a session.
   *
   * @param database the catalog's database's answers (codes to values, as {@link SqlInfoValues}
   *     writes them); empty for a catalog that is not a SQL database
   * @param userMayOnlyRead the session's user may only read the catalog
   */
  Map<Integer, Object> answer(Map<Integer, Object> database, boolean userMayOnlyRead) {
    Map<Integer, Object> answers = new HashMap<>(BASELINE);
    answers.putAll(database);
    answers.putAll(server);
    answers.put(FLIGHT_SQL_SERVER_READ_ONLY_VALUE,
        userMayOnlyRead || Boolean.TRUE.equals(database.get(FLIGHT_SQL_SERVER_READ_ONLY_VALUE)));
    answers.put(FLIGHT_SQL_SERVER_TRANSACTION_VALUE, transactions(answers).getNumber());
    return answers;
  }

  /** Savepoints where the database has them, else transactions where it has them. */
  static SqlSupportedTransaction transactions(Map<Integer, Object> answers) {
    if (Boolean.TRUE.equals(answers.get(SQL_SAVEPOINTS_SUPPORTED_VALUE))) {
      return SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_SAVEPOINT;
    }
    if (Boolean.TRUE.equals(answers.get(SQL_TRANSACTIONS_SUPPORTED_VALUE))) {
      return SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_TRANSACTION;
    }
    return SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_NONE;
  }

  private static int bitmask(com.google.protobuf.ProtocolMessageEnum... values) {
    return (int) SqlInfoOptionsUtils.createBitmaskFromEnums(values);
  }

  /** "Nothing known, nothing supported" for every code the JDBC driver and ADBC read. */
  private static Map<Integer, Object> baseline() {
    Map<Integer, Object> b = new HashMap<>();
    for (int code : List.of(SQL_IDENTIFIER_QUOTE_CHAR_VALUE, SQL_EXTRA_NAME_CHARACTERS_VALUE, SQL_SCHEMA_TERM_VALUE,
        SQL_PROCEDURE_TERM_VALUE, SQL_CATALOG_TERM_VALUE)) {
      b.put(code, "");
    }
    b.put(SQL_IDENTIFIER_QUOTE_CHAR_VALUE, "\"");
    for (int code : List.of(SQL_DDL_SCHEMA_VALUE, SQL_DDL_TABLE_VALUE, SQL_ALL_TABLES_ARE_SELECTABLE_VALUE,
        SQL_SUPPORTS_COLUMN_ALIASING_VALUE, SQL_NULL_PLUS_NULL_IS_NULL_VALUE,
        SQL_SUPPORTS_TABLE_CORRELATION_NAMES_VALUE, SQL_SUPPORTS_DIFFERENT_TABLE_CORRELATION_NAMES_VALUE,
        SQL_SUPPORTS_EXPRESSIONS_IN_ORDER_BY_VALUE, SQL_SUPPORTS_ORDER_BY_UNRELATED_VALUE,
        SQL_SUPPORTS_LIKE_ESCAPE_CLAUSE_VALUE, SQL_SUPPORTS_NON_NULLABLE_COLUMNS_VALUE,
        SQL_SUPPORTS_INTEGRITY_ENHANCEMENT_FACILITY_VALUE, SQL_CATALOG_AT_START_VALUE,
        SQL_SELECT_FOR_UPDATE_SUPPORTED_VALUE, SQL_STORED_PROCEDURES_SUPPORTED_VALUE,
        SQL_CORRELATED_SUBQUERIES_SUPPORTED_VALUE, SQL_MAX_ROW_SIZE_INCLUDES_BLOBS_VALUE,
        SQL_TRANSACTIONS_SUPPORTED_VALUE, SQL_DATA_DEFINITION_CAUSES_TRANSACTION_COMMIT_VALUE,
        SQL_DATA_DEFINITIONS_IN_TRANSACTIONS_IGNORED_VALUE, SQL_BATCH_UPDATES_SUPPORTED_VALUE,
        SQL_SAVEPOINTS_SUPPORTED_VALUE, SQL_LOCATORS_UPDATE_COPY_VALUE,
        SQL_STORED_FUNCTIONS_USING_CALL_SYNTAX_SUPPORTED_VALUE)) {
      b.put(code, false);
    }
    for (int code : List.of(SQL_KEYWORDS_VALUE, SQL_NUMERIC_FUNCTIONS_VALUE, SQL_STRING_FUNCTIONS_VALUE,
        SQL_SYSTEM_FUNCTIONS_VALUE, SQL_DATETIME_FUNCTIONS_VALUE)) {
      b.put(code, List.of());
    }
    b.put(SQL_SUPPORTS_CONVERT_VALUE, Map.of());
    for (int code : List.of(SQL_SUPPORTED_GROUP_BY_VALUE, SQL_SUPPORTED_GRAMMAR_VALUE, SQL_ANSI92_SUPPORTED_LEVEL_VALUE,
        SQL_OUTER_JOINS_SUPPORT_LEVEL_VALUE, SQL_SCHEMAS_SUPPORTED_ACTIONS_VALUE, SQL_SUPPORTED_SUBQUERIES_VALUE,
        SQL_SUPPORTED_UNIONS_VALUE, SQL_SUPPORTED_TRANSACTIONS_ISOLATION_LEVELS_VALUE)) {
      b.put(code, 0);
    }
    for (int code : List.of(SQL_IDENTIFIER_CASE_VALUE, SQL_QUOTED_IDENTIFIER_CASE_VALUE, SQL_NULL_ORDERING_VALUE,
        SQL_MAX_BINARY_LITERAL_LENGTH_VALUE, SQL_MAX_CHAR_LITERAL_LENGTH_VALUE, SQL_MAX_COLUMN_NAME_LENGTH_VALUE,
        SQL_MAX_COLUMNS_IN_GROUP_BY_VALUE, SQL_MAX_COLUMNS_IN_INDEX_VALUE, SQL_MAX_COLUMNS_IN_ORDER_BY_VALUE,
        SQL_MAX_COLUMNS_IN_SELECT_VALUE, SQL_MAX_COLUMNS_IN_TABLE_VALUE, SQL_MAX_CONNECTIONS_VALUE,
        SQL_MAX_CURSOR_NAME_LENGTH_VALUE, SQL_MAX_INDEX_LENGTH_VALUE, SQL_DB_SCHEMA_NAME_LENGTH_VALUE,
        SQL_MAX_PROCEDURE_NAME_LENGTH_VALUE, SQL_MAX_CATALOG_NAME_LENGTH_VALUE, SQL_MAX_ROW_SIZE_VALUE,
        SQL_MAX_STATEMENT_LENGTH_VALUE, SQL_MAX_STATEMENTS_VALUE, SQL_MAX_TABLE_NAME_LENGTH_VALUE,
        SQL_MAX_TABLES_IN_SELECT_VALUE, SQL_MAX_USERNAME_LENGTH_VALUE, SQL_DEFAULT_TRANSACTION_ISOLATION_VALUE)) {
      b.put(code, 0L); // unknown case, nulls sorted high (0), no known limit, isolation NONE
    }
    return Map.copyOf(b);
  }
}
