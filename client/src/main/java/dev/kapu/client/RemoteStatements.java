package dev.kapu.client;

import org.apache.arrow.vector.ipc.ArrowReader;

/** What runs SQL on a Flight SQL server: a {@link RemoteSql} connection, or one of its transactions. */
public interface RemoteStatements {
  /**
   * Whether {@code statement} returns rows, as the server describes it when preparing it (a
   * prepared statement whose result schema has no columns is an update, as the JDBC driver reads it).
   */
  boolean returnsRows(String statement);

  /** Runs a statement that returns no rows (DDL, INSERT, ...); the number of rows it changed. */
  long update(String statement);

  /** Runs {@code statement} and streams its result, endpoint after endpoint; close the reader when done. */
  ArrowReader query(String statement);
}
