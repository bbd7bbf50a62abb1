package dev.kapu.api;

import java.sql.SQLException;

/**
 * A statement refused for a caller who may only read: it could change something, or the
 * resource cannot promise that it would not. The message says which.
 */
public class ReadOnlyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ReadOnlyException(String message) {
    super(message);
  }

  public ReadOnlyException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Throws a {@code ReadOnlyException} carrying the database's message if {@code failure} is a
   * database refusing to write in a read-only transaction (a write hidden in a statement that
   * passed for a read): SQLSTATE 25006 (PostgreSQL and other databases that follow the standard),
   * or DuckDB's message. Returns otherwise.
   */
  public static void throwIfDatabaseRefusal(Exception failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if ((t instanceof SQLException sql && "25006".equals(sql.getSQLState()))
          || (t.getMessage() != null && t.getMessage().contains("transaction is launched in read-only mode"))) {
        throw new ReadOnlyException("the statement tried to write: " + t.getMessage(), failure);
      }
    }
  }
}
