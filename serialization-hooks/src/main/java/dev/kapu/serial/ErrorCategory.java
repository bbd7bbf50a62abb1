package dev.kapu.serial;

/**
 * Whose fault a failure is, and what may help, as judged where it happened (a daemon knows which
 * database refused a statement and what that database's error means). Where the failure leaves
 * Kapu it becomes a status: Flight's mapping is {@code dev.kapu.flight.ErrorStatuses}. A failure
 * without a category is a fault of Kapu's own.
 */
public enum ErrorCategory {
  /** The statement or its data is wrong: syntax, binding, types, conversions, constraints, an error it raised. */
  INVALID_STATEMENT,
  /** The statement names something that does not exist: a table, view, column, function, schema or file. */
  UNKNOWN_NAME,
  /** The statement would create something that exists already. */
  ALREADY_EXISTS,
  /** The caller's rights forbid it: a read-only caller's write, a privilege the database's account lacks. */
  NOT_PERMITTED,
  /** The database ran out of memory, disk or connections. */
  RESOURCES_EXHAUSTED,
  /** The statement was cancelled or interrupted. */
  CANCELLED,
  /** A passing condition: the database's connection failed, or a transaction conflicted with another; retrying may work. */
  TRANSIENT,
  /** The database does not support what the statement asks, or lacks the extension it needs. */
  UNSUPPORTED,
  /** The database failed in a way that is not the statement's fault, or that Kapu cannot tell. */
  DATABASE_FAILURE
}
