package dev.kapu.daemon.internal;

import static org.apache.arrow.flight.sql.impl.FlightSql.SqlInfo.*;

import com.google.protobuf.ProtocolMessageEnum;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlNullOrdering;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlOuterJoinsSupportLevel;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedCaseSensitivity;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedElementActions;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedGroupBy;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedSubqueries;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedUnions;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportsConvert;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlTransactionIsolationLevel;
import org.apache.arrow.flight.sql.impl.FlightSql.SupportedAnsi92SqlGrammarLevel;
import org.apache.arrow.flight.sql.impl.FlightSql.SupportedSqlGrammar;
import org.apache.arrow.flight.sql.util.SqlInfoOptionsUtils;

/**
 * A database's own answers to Flight SQL's GetSqlInfo, read from its JDBC driver's {@link
 * DatabaseMetaData}: what SQL it speaks (keywords, functions, grammar, joins, subqueries,
 * unions), identifier case, transactions and isolation, and its limits. Values are typed as the
 * Flight SQL server writes them: a {@link String}, {@link Boolean}, {@link Long}, {@link Integer}
 * (a bitmask of the spec's enum), {@code List<String>} or {@code Map<Integer, List<Integer>>}. A
 * question the driver cannot answer (it throws) is left out, and the server answers it as unknown.
 * A kind that knows better answers over these ({@link dev.kapu.daemon.spi.HostedResource#sqlInfo}).
 */
public final class DatabaseSqlInfo {
  private final DatabaseMetaData meta;
  private final Map<Integer, Object> values = new HashMap<>();

  private DatabaseSqlInfo(DatabaseMetaData meta) {
    this.meta = meta;
  }

  /** The answers of the database {@code connection} is connected to, by Flight SQL info code. */
  public static Map<Integer, Object> read(Connection connection) throws SQLException {
    DatabaseSqlInfo info = new DatabaseSqlInfo(connection.getMetaData());
    info.readAll();
    return info.values;
  }

  /** A question the driver may not answer. */
  @FunctionalInterface
  private interface Question {
    Object ask() throws SQLException;
  }

  private void put(int code, Question question) {
    try {
      Object value = question.ask();
      if (value != null) {
        values.put(code, value);
      }
    } catch (SQLException | RuntimeException e) {
      // the driver does not know (SQLFeatureNotSupportedException, AbstractMethodError's kin): left unknown
    }
  }

  private void readAll() {
    put(FLIGHT_SQL_SERVER_READ_ONLY_VALUE, meta::isReadOnly);
    put(SQL_DDL_SCHEMA_VALUE, () -> meta.supportsSchemasInTableDefinitions() && !meta.isReadOnly());
    put(SQL_DDL_TABLE_VALUE, () -> !meta.isReadOnly());
    put(SQL_IDENTIFIER_QUOTE_CHAR_VALUE, () -> trimmed(meta.getIdentifierQuoteString()));
    put(SQL_ALL_TABLES_ARE_SELECTABLE_VALUE, meta::allTablesAreSelectable);
    put(SQL_NULL_ORDERING_VALUE, () -> (long) nullOrdering(meta.nullsAreSortedHigh(), meta.nullsAreSortedLow(),
        meta.nullsAreSortedAtStart(), meta.nullsAreSortedAtEnd()).getNumber());
    put(SQL_KEYWORDS_VALUE, () -> list(meta.getSQLKeywords()));
    put(SQL_NUMERIC_FUNCTIONS_VALUE, () -> list(meta.getNumericFunctions()));
    put(SQL_STRING_FUNCTIONS_VALUE, () -> list(meta.getStringFunctions()));
    put(SQL_SYSTEM_FUNCTIONS_VALUE, () -> list(meta.getSystemFunctions()));
    put(SQL_DATETIME_FUNCTIONS_VALUE, () -> list(meta.getTimeDateFunctions()));
    put(SQL_EXTRA_NAME_CHARACTERS_VALUE, () -> nonNull(meta.getExtraNameCharacters()));
    put(SQL_SUPPORTS_COLUMN_ALIASING_VALUE, meta::supportsColumnAliasing);
    put(SQL_NULL_PLUS_NULL_IS_NULL_VALUE, meta::nullPlusNonNullIsNull);
    put(SQL_SUPPORTS_CONVERT_VALUE, this::conversions);
    put(SQL_SUPPORTS_TABLE_CORRELATION_NAMES_VALUE, meta::supportsTableCorrelationNames);
    put(SQL_SUPPORTS_DIFFERENT_TABLE_CORRELATION_NAMES_VALUE, meta::supportsDifferentTableCorrelationNames);
    put(SQL_SUPPORTS_EXPRESSIONS_IN_ORDER_BY_VALUE, meta::supportsExpressionsInOrderBy);
    put(SQL_SUPPORTS_ORDER_BY_UNRELATED_VALUE, meta::supportsOrderByUnrelated);
    put(SQL_SUPPORTED_GROUP_BY_VALUE, () -> bitmask(
        meta.supportsGroupByUnrelated(), SqlSupportedGroupBy.SQL_GROUP_BY_UNRELATED,
        meta.supportsGroupByBeyondSelect(), SqlSupportedGroupBy.SQL_GROUP_BY_BEYOND_SELECT));
    put(SQL_SUPPORTS_LIKE_ESCAPE_CLAUSE_VALUE, meta::supportsLikeEscapeClause);
    put(SQL_SUPPORTS_NON_NULLABLE_COLUMNS_VALUE, meta::supportsNonNullableColumns);
    put(SQL_SUPPORTED_GRAMMAR_VALUE, () -> bitmask(
        meta.supportsMinimumSQLGrammar(), SupportedSqlGrammar.SQL_MINIMUM_GRAMMAR,
        meta.supportsCoreSQLGrammar(), SupportedSqlGrammar.SQL_CORE_GRAMMAR,
        meta.supportsExtendedSQLGrammar(), SupportedSqlGrammar.SQL_EXTENDED_GRAMMAR));
    put(SQL_ANSI92_SUPPORTED_LEVEL_VALUE, () -> bitmask(
        meta.supportsANSI92EntryLevelSQL(), SupportedAnsi92SqlGrammarLevel.ANSI92_ENTRY_SQL,
        meta.supportsANSI92IntermediateSQL(), SupportedAnsi92SqlGrammarLevel.ANSI92_INTERMEDIATE_SQL,
        meta.supportsANSI92FullSQL(), SupportedAnsi92SqlGrammarLevel.ANSI92_FULL_SQL));
    put(SQL_SUPPORTS_INTEGRITY_ENHANCEMENT_FACILITY_VALUE, meta::supportsIntegrityEnhancementFacility);
    put(SQL_OUTER_JOINS_SUPPORT_LEVEL_VALUE, () -> outerJoins(
        meta.supportsOuterJoins(), meta.supportsLimitedOuterJoins(), meta.supportsFullOuterJoins()));
    put(SQL_SCHEMA_TERM_VALUE, () -> nonNull(meta.getSchemaTerm()));
    put(SQL_PROCEDURE_TERM_VALUE, () -> nonNull(meta.getProcedureTerm()));
    put(SQL_CATALOG_TERM_VALUE, () -> nonNull(meta.getCatalogTerm()));
    put(SQL_CATALOG_AT_START_VALUE, meta::isCatalogAtStart);
    put(SQL_SCHEMAS_SUPPORTED_ACTIONS_VALUE, () -> bitmask(
        meta.supportsSchemasInProcedureCalls(), SqlSupportedElementActions.SQL_ELEMENT_IN_PROCEDURE_CALLS,
        meta.supportsSchemasInIndexDefinitions(), SqlSupportedElementActions.SQL_ELEMENT_IN_INDEX_DEFINITIONS,
        meta.supportsSchemasInPrivilegeDefinitions(), SqlSupportedElementActions.SQL_ELEMENT_IN_PRIVILEGE_DEFINITIONS));
    put(SQL_SELECT_FOR_UPDATE_SUPPORTED_VALUE, meta::supportsSelectForUpdate);
    put(SQL_STORED_PROCEDURES_SUPPORTED_VALUE, meta::supportsStoredProcedures);
    put(SQL_SUPPORTED_SUBQUERIES_VALUE, () -> bitmask(
        meta.supportsSubqueriesInComparisons(), SqlSupportedSubqueries.SQL_SUBQUERIES_IN_COMPARISONS,
        meta.supportsSubqueriesInExists(), SqlSupportedSubqueries.SQL_SUBQUERIES_IN_EXISTS,
        meta.supportsSubqueriesInIns(), SqlSupportedSubqueries.SQL_SUBQUERIES_IN_INS,
        meta.supportsSubqueriesInQuantifieds(), SqlSupportedSubqueries.SQL_SUBQUERIES_IN_QUANTIFIEDS));
    put(SQL_CORRELATED_SUBQUERIES_SUPPORTED_VALUE, meta::supportsCorrelatedSubqueries);
    put(SQL_SUPPORTED_UNIONS_VALUE, () -> bitmask(
        meta.supportsUnion(), SqlSupportedUnions.SQL_UNION,
        meta.supportsUnionAll(), SqlSupportedUnions.SQL_UNION_ALL));
    put(SQL_MAX_BINARY_LITERAL_LENGTH_VALUE, () -> (long) meta.getMaxBinaryLiteralLength());
    put(SQL_MAX_CHAR_LITERAL_LENGTH_VALUE, () -> (long) meta.getMaxCharLiteralLength());
    put(SQL_MAX_COLUMN_NAME_LENGTH_VALUE, () -> (long) meta.getMaxColumnNameLength());
    put(SQL_MAX_COLUMNS_IN_GROUP_BY_VALUE, () -> (long) meta.getMaxColumnsInGroupBy());
    put(SQL_MAX_COLUMNS_IN_INDEX_VALUE, () -> (long) meta.getMaxColumnsInIndex());
    put(SQL_MAX_COLUMNS_IN_ORDER_BY_VALUE, () -> (long) meta.getMaxColumnsInOrderBy());
    put(SQL_MAX_COLUMNS_IN_SELECT_VALUE, () -> (long) meta.getMaxColumnsInSelect());
    put(SQL_MAX_COLUMNS_IN_TABLE_VALUE, () -> (long) meta.getMaxColumnsInTable());
    put(SQL_MAX_CONNECTIONS_VALUE, () -> (long) meta.getMaxConnections());
    put(SQL_MAX_CURSOR_NAME_LENGTH_VALUE, () -> (long) meta.getMaxCursorNameLength());
    put(SQL_MAX_INDEX_LENGTH_VALUE, () -> (long) meta.getMaxIndexLength());
    put(SQL_DB_SCHEMA_NAME_LENGTH_VALUE, () -> (long) meta.getMaxSchemaNameLength());
    put(SQL_MAX_PROCEDURE_NAME_LENGTH_VALUE, () -> (long) meta.getMaxProcedureNameLength());
    put(SQL_MAX_CATALOG_NAME_LENGTH_VALUE, () -> (long) meta.getMaxCatalogNameLength());
    put(SQL_MAX_ROW_SIZE_VALUE, () -> (long) meta.getMaxRowSize());
    put(SQL_MAX_ROW_SIZE_INCLUDES_BLOBS_VALUE, meta::doesMaxRowSizeIncludeBlobs);
    put(SQL_MAX_STATEMENT_LENGTH_VALUE, () -> (long) meta.getMaxStatementLength());
    put(SQL_MAX_STATEMENTS_VALUE, () -> (long) meta.getMaxStatements());
    put(SQL_MAX_TABLE_NAME_LENGTH_VALUE, () -> (long) meta.getMaxTableNameLength());
    put(SQL_MAX_TABLES_IN_SELECT_VALUE, () -> (long) meta.getMaxTablesInSelect());
    put(SQL_MAX_USERNAME_LENGTH_VALUE, () -> (long) meta.getMaxUserNameLength());
    put(SQL_DEFAULT_TRANSACTION_ISOLATION_VALUE, () -> (long) isolation(meta.getDefaultTransactionIsolation()).getNumber());
    put(SQL_TRANSACTIONS_SUPPORTED_VALUE, meta::supportsTransactions);
    put(SQL_SUPPORTED_TRANSACTIONS_ISOLATION_LEVELS_VALUE, this::isolationLevels);
    put(SQL_DATA_DEFINITION_CAUSES_TRANSACTION_COMMIT_VALUE, meta::dataDefinitionCausesTransactionCommit);
    put(SQL_DATA_DEFINITIONS_IN_TRANSACTIONS_IGNORED_VALUE, meta::dataDefinitionIgnoredInTransactions);
    put(SQL_BATCH_UPDATES_SUPPORTED_VALUE, meta::supportsBatchUpdates);
    put(SQL_SAVEPOINTS_SUPPORTED_VALUE, meta::supportsSavepoints);
    put(SQL_LOCATORS_UPDATE_COPY_VALUE, meta::locatorsUpdateCopy);
    put(SQL_STORED_FUNCTIONS_USING_CALL_SYNTAX_SUPPORTED_VALUE, meta::supportsStoredFunctionsUsingCallSyntax);
    put(SQL_IDENTIFIER_CASE_VALUE, () -> (long) identifierCase(meta.storesUpperCaseIdentifiers(),
        meta.storesLowerCaseIdentifiers(), meta.storesMixedCaseIdentifiers(), meta.supportsMixedCaseIdentifiers())
        .getNumber());
    put(SQL_QUOTED_IDENTIFIER_CASE_VALUE, () -> (long) identifierCase(meta.storesUpperCaseQuotedIdentifiers(),
        meta.storesLowerCaseQuotedIdentifiers(), meta.storesMixedCaseQuotedIdentifiers(),
        meta.supportsMixedCaseQuotedIdentifiers()).getNumber());
  }

  /**
   * Flight SQL's case of identifiers from JDBC's flags. Flight SQL has no value for "case-sensitive,
   * stored as written" (a quoted identifier in most databases): that is UNKNOWN.
   */
  static SqlSupportedCaseSensitivity identifierCase(boolean storesUpper, boolean storesLower, boolean storesMixed,
      boolean caseSensitiveMixed) {
    if (storesUpper) {
      return SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_UPPERCASE;
    }
    if (storesLower) {
      return SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_LOWERCASE;
    }
    if (storesMixed && !caseSensitiveMixed) {
      return SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE;
    }
    return SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_UNKNOWN;
  }

  /** Flight SQL's isolation level for a JDBC one ({@code Connection.TRANSACTION_*}). */
  static SqlTransactionIsolationLevel isolation(int jdbcLevel) {
    return switch (jdbcLevel) {
      case Connection.TRANSACTION_READ_UNCOMMITTED -> SqlTransactionIsolationLevel.SQL_TRANSACTION_READ_UNCOMMITTED;
      case Connection.TRANSACTION_READ_COMMITTED -> SqlTransactionIsolationLevel.SQL_TRANSACTION_READ_COMMITTED;
      case Connection.TRANSACTION_REPEATABLE_READ -> SqlTransactionIsolationLevel.SQL_TRANSACTION_REPEATABLE_READ;
      case Connection.TRANSACTION_SERIALIZABLE -> SqlTransactionIsolationLevel.SQL_TRANSACTION_SERIALIZABLE;
      default -> SqlTransactionIsolationLevel.SQL_TRANSACTION_NONE;
    };
  }

  private Integer isolationLevels() throws SQLException {
    List<ProtocolMessageEnum> levels = new ArrayList<>();
    for (int level : new int[] {Connection.TRANSACTION_NONE, Connection.TRANSACTION_READ_UNCOMMITTED,
        Connection.TRANSACTION_READ_COMMITTED, Connection.TRANSACTION_REPEATABLE_READ,
        Connection.TRANSACTION_SERIALIZABLE}) {
      if (meta.supportsTransactionIsolationLevel(level)) {
        levels.add(isolation(level));
      }
    }
    return (int) SqlInfoOptionsUtils.createBitmaskFromEnums(levels);
  }

  static SqlNullOrdering nullOrdering(boolean high, boolean low, boolean atStart, boolean atEnd) {
    if (atStart) {
      return SqlNullOrdering.SQL_NULLS_SORTED_AT_START;
    }
    if (atEnd) {
      return SqlNullOrdering.SQL_NULLS_SORTED_AT_END;
    }
    return low ? SqlNullOrdering.SQL_NULLS_SORTED_LOW : SqlNullOrdering.SQL_NULLS_SORTED_HIGH;
  }

  /** Outer joins as the bitmask the Flight SQL JDBC driver reads; "some outer joins" is limited ones. */
  static int outerJoins(boolean any, boolean limited, boolean full) {
    List<ProtocolMessageEnum> levels = new ArrayList<>();
    if (limited || (any && !full)) {
      levels.add(SqlOuterJoinsSupportLevel.SQL_LIMITED_OUTER_JOINS);
    }
    if (full) {
      levels.add(SqlOuterJoinsSupportLevel.SQL_FULL_OUTER_JOINS);
    }
    return (int) SqlInfoOptionsUtils.createBitmaskFromEnums(levels);
  }

  /** The bitmask of the enums whose flag (the argument before each) is true. */
  static int bitmask(Object... flagsAndEnums) {
    List<ProtocolMessageEnum> set = new ArrayList<>();
    for (int i = 0; i < flagsAndEnums.length; i += 2) {
      if ((Boolean) flagsAndEnums[i]) {
        set.add((ProtocolMessageEnum) flagsAndEnums[i + 1]);
      }
    }
    return (int) SqlInfoOptionsUtils.createBitmaskFromEnums(set);
  }

  /** JDBC's comma-separated lists (keywords, functions, a type's create parameters), as a list. */
  public static List<String> list(String commaSeparated) {
    if (commaSeparated == null || commaSeparated.isBlank()) {
      return List.of();
    }
    return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  private static String trimmed(String s) {
    return s == null ? "" : s.trim();
  }

  /** The JDBC type of each of Flight SQL's conversion types (its intervals have none). */
  private static final Map<SqlSupportsConvert, Integer> CONVERT_TYPES = convertTypes();

  private static Map<SqlSupportsConvert, Integer> convertTypes() {
    Map<SqlSupportsConvert, Integer> m = new LinkedHashMap<>();
    m.put(SqlSupportsConvert.SQL_CONVERT_BIGINT, Types.BIGINT);
    m.put(SqlSupportsConvert.SQL_CONVERT_BINARY, Types.BINARY);
    m.put(SqlSupportsConvert.SQL_CONVERT_BIT, Types.BIT);
    m.put(SqlSupportsConvert.SQL_CONVERT_CHAR, Types.CHAR);
    m.put(SqlSupportsConvert.SQL_CONVERT_DATE, Types.DATE);
    m.put(SqlSupportsConvert.SQL_CONVERT_DECIMAL, Types.DECIMAL);
    m.put(SqlSupportsConvert.SQL_CONVERT_FLOAT, Types.FLOAT);
    m.put(SqlSupportsConvert.SQL_CONVERT_INTEGER, Types.INTEGER);
    m.put(SqlSupportsConvert.SQL_CONVERT_LONGVARBINARY, Types.LONGVARBINARY);
    m.put(SqlSupportsConvert.SQL_CONVERT_LONGVARCHAR, Types.LONGVARCHAR);
    m.put(SqlSupportsConvert.SQL_CONVERT_NUMERIC, Types.NUMERIC);
    m.put(SqlSupportsConvert.SQL_CONVERT_REAL, Types.REAL);
    m.put(SqlSupportsConvert.SQL_CONVERT_SMALLINT, Types.SMALLINT);
    m.put(SqlSupportsConvert.SQL_CONVERT_TIME, Types.TIME);
    m.put(SqlSupportsConvert.SQL_CONVERT_TIMESTAMP, Types.TIMESTAMP);
    m.put(SqlSupportsConvert.SQL_CONVERT_TINYINT, Types.TINYINT);
    m.put(SqlSupportsConvert.SQL_CONVERT_VARBINARY, Types.VARBINARY);
    m.put(SqlSupportsConvert.SQL_CONVERT_VARCHAR, Types.VARCHAR);
    return m;
  }

  /** Which conversions {@code CONVERT} supports, from each type to its targets. */
  private Map<Integer, List<Integer>> conversions() throws SQLException {
    Map<Integer, List<Integer>> conversions = new HashMap<>();
    if (!meta.supportsConvert()) {
      return conversions;
    }
    for (var from : CONVERT_TYPES.entrySet()) {
      List<Integer> targets = new ArrayList<>();
      for (var to : CONVERT_TYPES.entrySet()) {
        if (meta.supportsConvert(from.getValue(), to.getValue())) {
          targets.add(to.getKey().getNumber());
        }
      }
      if (!targets.isEmpty()) {
        conversions.put(from.getKey().getNumber(), targets);
      }
    }
    return conversions;
  }
}
