package dev.kapu.daemon.internal;

import dev.kapu.api.ReadOnlyException;
import dev.kapu.flight.ErrorStatuses;
import dev.kapu.serial.ErrorCategory;
import dev.kapu.serial.RemoteError;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.adbc.core.AdbcException;
import org.apache.arrow.adbc.core.AdbcStatusCode;
import org.apache.arrow.flight.FlightRuntimeException;

/**
 * Judges a failure where the database that raised it is known, on the daemon: is it the
 * statement's fault, a missing name, a refusal by rights, or the database's own trouble? The
 * category travels with the error ({@link RemoteError#category()}) to wherever it becomes a status.
 *
 * <p>PostgreSQL and other databases that follow the standard say it with a SQLSTATE; DuckDB names
 * the type of its error at the start of the message ({@code Binder Error: ...}); ADBC drivers give
 * a status. A failure no database raised (a task's own exception, a fault of Kapu's) has no
 * category.
 */
public final class DatabaseErrors {
  private static final int MAX_CAUSES = 16;

  /** SQLSTATE classes (their first two characters) and what they mean here; exact codes come first. */
  private static final Map<String, ErrorCategory> SQLSTATES = Map.ofEntries(
      Map.entry("42501", ErrorCategory.NOT_PERMITTED),       // insufficient_privilege
      Map.entry("25006", ErrorCategory.NOT_PERMITTED),       // read_only_sql_transaction
      Map.entry("57014", ErrorCategory.CANCELLED),           // query_canceled
      Map.entry("42P01", ErrorCategory.UNKNOWN_NAME),        // undefined_table
      Map.entry("42703", ErrorCategory.UNKNOWN_NAME),        // undefined_column
      Map.entry("42883", ErrorCategory.UNKNOWN_NAME),        // undefined_function
      Map.entry("42704", ErrorCategory.UNKNOWN_NAME),        // undefined_object
      Map.entry("3D000", ErrorCategory.UNKNOWN_NAME),        // invalid_catalog_name
      Map.entry("3F000", ErrorCategory.UNKNOWN_NAME),        // invalid_schema_name
      Map.entry("58P01", ErrorCategory.UNKNOWN_NAME),        // undefined_file
      Map.entry("42P03", ErrorCategory.ALREADY_EXISTS),      // duplicate_cursor
      Map.entry("42P04", ErrorCategory.ALREADY_EXISTS),      // duplicate_database
      Map.entry("42P05", ErrorCategory.ALREADY_EXISTS),      // duplicate_prepared_statement
      Map.entry("42P06", ErrorCategory.ALREADY_EXISTS),      // duplicate_schema
      Map.entry("42P07", ErrorCategory.ALREADY_EXISTS),      // duplicate_table
      Map.entry("42701", ErrorCategory.ALREADY_EXISTS),      // duplicate_column
      Map.entry("42710", ErrorCategory.ALREADY_EXISTS),      // duplicate_object
      Map.entry("42723", ErrorCategory.ALREADY_EXISTS),      // duplicate_function
      Map.entry("0A", ErrorCategory.UNSUPPORTED),            // feature_not_supported
      Map.entry("08", ErrorCategory.TRANSIENT),              // connection exception
      Map.entry("40", ErrorCategory.TRANSIENT),              // transaction rollback: serialization failure, deadlock
      Map.entry("55", ErrorCategory.TRANSIENT),              // object not in prerequisite state: lock not available
      Map.entry("57", ErrorCategory.TRANSIENT),              // operator intervention: shutting down
      Map.entry("53", ErrorCategory.RESOURCES_EXHAUSTED),    // insufficient resources: disk, memory, connections
      Map.entry("21", ErrorCategory.INVALID_STATEMENT),      // cardinality violation
      Map.entry("22", ErrorCategory.INVALID_STATEMENT),      // data exception: conversion, division by zero
      Map.entry("23", ErrorCategory.INVALID_STATEMENT),      // integrity constraint violation
      Map.entry("24", ErrorCategory.INVALID_STATEMENT),      // invalid cursor state
      Map.entry("25", ErrorCategory.INVALID_STATEMENT),      // invalid transaction state
      Map.entry("26", ErrorCategory.INVALID_STATEMENT),      // invalid SQL statement name
      Map.entry("27", ErrorCategory.INVALID_STATEMENT),      // triggered data change violation
      Map.entry("2B", ErrorCategory.INVALID_STATEMENT),      // dependent objects still exist
      Map.entry("2F", ErrorCategory.INVALID_STATEMENT),      // SQL routine exception
      Map.entry("34", ErrorCategory.INVALID_STATEMENT),      // invalid cursor name
      Map.entry("38", ErrorCategory.INVALID_STATEMENT),      // external routine exception
      Map.entry("39", ErrorCategory.INVALID_STATEMENT),      // external routine invocation exception
      Map.entry("3B", ErrorCategory.INVALID_STATEMENT),      // savepoint exception
      Map.entry("42", ErrorCategory.INVALID_STATEMENT),      // syntax error or access rule violation
      Map.entry("44", ErrorCategory.INVALID_STATEMENT),      // with check option violation
      Map.entry("54", ErrorCategory.INVALID_STATEMENT),      // program limit exceeded: statement too complex
      Map.entry("P0", ErrorCategory.INVALID_STATEMENT));     // raised by the statement's PL/pgSQL

  /** DuckDB's error types (the words before " Error: ") that say more than that the statement is wrong. */
  private static final Map<String, ErrorCategory> DUCKDB_TYPES = Map.ofEntries(
      Map.entry("Permission", ErrorCategory.NOT_PERMITTED),
      Map.entry("Out of Memory", ErrorCategory.RESOURCES_EXHAUSTED),
      Map.entry("INTERRUPT", ErrorCategory.CANCELLED),
      Map.entry("Connection", ErrorCategory.TRANSIENT),
      Map.entry("HTTP", ErrorCategory.TRANSIENT),
      Map.entry("Resource In Use", ErrorCategory.TRANSIENT),
      Map.entry("Not implemented", ErrorCategory.UNSUPPORTED),
      Map.entry("Missing Extension", ErrorCategory.UNSUPPORTED),
      Map.entry("Extension Autoloading", ErrorCategory.UNSUPPORTED),
      Map.entry("IO", ErrorCategory.DATABASE_FAILURE),
      Map.entry("Serialization", ErrorCategory.DATABASE_FAILURE),
      Map.entry("Scheduler", ErrorCategory.DATABASE_FAILURE),
      Map.entry("Executor", ErrorCategory.DATABASE_FAILURE),
      Map.entry("Index", ErrorCategory.DATABASE_FAILURE),
      Map.entry("Stat", ErrorCategory.DATABASE_FAILURE),
      Map.entry("Optimizer", ErrorCategory.DATABASE_FAILURE),
      Map.entry("NullPointer", ErrorCategory.DATABASE_FAILURE),
      Map.entry("FATAL", ErrorCategory.DATABASE_FAILURE),
      Map.entry("INTERNAL", ErrorCategory.DATABASE_FAILURE),
      Map.entry("Data Corruption", ErrorCategory.DATABASE_FAILURE));

  /** DuckDB's error types that mean the statement or its data is wrong (unless it names something unknown). */
  private static final List<String> DUCKDB_STATEMENT_TYPES = List.of("Parser", "Syntax", "Binder", "Catalog",
      "Conversion", "Constraint", "Invalid Input", "Invalid", "Out of Range", "Unknown Type", "Decimal",
      "Mismatch Type", "Divide by Zero", "Object Size", "Invalid type", "Expression", "Planner",
      "Parameter Not Resolved", "Parameter Not Allowed", "Dependency", "Sequence", "Settings",
      "Invalid Configuration", "TransactionContext");

  private DatabaseErrors() {}

  /**
   * A task's failure as it travels to the caller: if a database raised it, with its category and
   * a message cleared of Java class names; otherwise as it was thrown.
   */
  public static RemoteError remoteError(Throwable failure) {
    ErrorCategory category = categorize(failure);
    return category == null ? RemoteError.of(failure)
        : RemoteError.of(failure, category, ErrorStatuses.message(failure));
  }

  /**
   * A failure on the daemon's own Flight endpoint as the client gets it: a status that says whose
   * fault it is, with {@code context} before the database's own words.
   */
  public static FlightRuntimeException status(String context, Throwable failure) {
    return ErrorStatuses.of(categorize(failure), context + ErrorStatuses.message(failure), failure);
  }

  /** What the database that raised {@code failure} (or one of its causes) says it is; null if none did. */
  public static ErrorCategory categorize(Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
      ErrorCategory category = judge(t);
      if (category != null) {
        return category;
      }
    }
    return null;
  }

  private static ErrorCategory judge(Throwable t) {
    if (t instanceof ReadOnlyException) {
      return ErrorCategory.NOT_PERMITTED;
    }
    if (t instanceof AdbcException adbc) {
      ErrorCategory category = adbc.getSqlState() != null ? bySqlState(adbc.getSqlState()) : null;
      return category != null ? category : byAdbcStatus(adbc.getStatus());
    }
    if (t instanceof SQLException sql && sql.getSQLState() != null) {
      ErrorCategory category = bySqlState(sql.getSQLState());
      if (category != null) {
        return category;
      }
    }
    ErrorCategory duckdb = t.getMessage() == null ? null : byDuckDbMessage(t.getMessage());
    if (duckdb != null) {
      return duckdb;
    }
    if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException) {
      return ErrorCategory.TRANSIENT; // a pool that could not hand out a connection in time, a link gone
    }
    if (t instanceof SQLException sql && sql.getSQLState() != null) {
      return ErrorCategory.DATABASE_FAILURE; // a SQLSTATE of a class without a meaning above
    }
    return null;
  }

  /** A SQLSTATE's meaning: its exact code's, else its class's; null for a state that is no error here. */
  static ErrorCategory bySqlState(String state) {
    if (state.length() != 5) {
      return null;
    }
    String upper = state.toUpperCase(Locale.ROOT);
    ErrorCategory exact = SQLSTATES.get(upper);
    return exact != null ? exact : SQLSTATES.get(upper.substring(0, 2));
  }

  /** The meaning of a DuckDB error message ({@code Type Error: text}); null if it is not one. */
  static ErrorCategory byDuckDbMessage(String message) {
    int end = message.indexOf(" Error: ");
    if (end <= 0) {
      return null;
    }
    String type = message.substring(0, end);
    String text = message.substring(end + " Error: ".length()).toLowerCase(Locale.ROOT);
    ErrorCategory category = DUCKDB_TYPES.get(type);
    if (category == ErrorCategory.DATABASE_FAILURE && type.equals("IO") && namesSomethingMissing(text)) {
      return ErrorCategory.UNKNOWN_NAME; // no such file
    }
    if (category != null) {
      return category;
    }
    if (!DUCKDB_STATEMENT_TYPES.contains(type)) {
      return null;
    }
    if ((type.equals("Catalog") || type.equals("Binder")) && text.contains("already exists")) {
      return ErrorCategory.ALREADY_EXISTS;
    }
    if ((type.equals("Catalog") || type.equals("Binder")) && namesSomethingMissing(text)) {
      return ErrorCategory.UNKNOWN_NAME;
    }
    if (text.contains("read-only mode")) {
      return ErrorCategory.NOT_PERMITTED; // a write to a database attached read-only
    }
    if (type.equals("TransactionContext") && text.contains("conflict")) {
      return ErrorCategory.TRANSIENT; // another transaction changed the same rows: retry
    }
    return ErrorCategory.INVALID_STATEMENT;
  }

  private static boolean namesSomethingMissing(String text) {
    return text.contains("does not exist") || text.contains("not found") || text.contains("does not have a column")
        || text.contains("no files found") || text.contains("no such file") || text.contains("unrecognized");
  }

  private static ErrorCategory byAdbcStatus(AdbcStatusCode status) {
    return switch (status) {
      case NOT_FOUND -> ErrorCategory.UNKNOWN_NAME;
      case ALREADY_EXISTS -> ErrorCategory.ALREADY_EXISTS;
      case INVALID_ARGUMENT, INVALID_DATA, INVALID_STATE, INTEGRITY -> ErrorCategory.INVALID_STATEMENT;
      case UNAUTHORIZED -> ErrorCategory.NOT_PERMITTED;
      case CANCELLED -> ErrorCategory.CANCELLED;
      case TIMEOUT, IO -> ErrorCategory.TRANSIENT;
      case NOT_IMPLEMENTED -> ErrorCategory.UNSUPPORTED;
      default -> ErrorCategory.DATABASE_FAILURE;
    };
  }
}
