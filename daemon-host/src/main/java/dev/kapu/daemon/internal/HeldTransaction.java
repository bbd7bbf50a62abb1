package dev.kapu.daemon.internal;

import dev.kapu.daemon.spi.HostedResource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * One transaction a daemon holds open: a connection of its own, used by one statement at a time
 * ({@link OpenTransactions} serializes them), and what must be released when it ends. Queries
 * return their result read whole ({@link MaterializedReader}), so that the connection is free for
 * the next statement whatever the client does with the result.
 */
public final class HeldTransaction {
  private static final int BATCH_ROWS = 65_536;

  private final String id;
  private final String resource;
  private final HostedResource hosted;
  private final boolean readOnly;
  private final Connection connection;
  /** Released at the end, last first: the connection, and for a read-only one what rolls it back. */
  private final List<AutoCloseable> scope;
  private final long resultLimitBytes;
  /** Savepoints set and not released, the most recent first. */
  private final Deque<Mark> savepoints = new ArrayDeque<>();

  private record Mark(String id, String name, Savepoint savepoint) {}

  HeldTransaction(String id, String resource, HostedResource hosted, boolean readOnly, Connection connection,
      List<AutoCloseable> scope, long resultLimitBytes) {
    this.id = id;
    this.resource = resource;
    this.hosted = hosted;
    this.readOnly = readOnly;
    this.connection = connection;
    this.scope = scope;
    this.resultLimitBytes = resultLimitBytes;
  }

  public String id() {
    return id;
  }

  /** The hosted resource it runs on. */
  public String resource() {
    return resource;
  }

  /** That resource, for what only its kind knows about the statements run here. */
  public HostedResource hosted() {
    return hosted;
  }

  public boolean readOnly() {
    return readOnly;
  }

  /**
   * The transaction's connection, for a statement to prepare on. Ending the transaction is this
   * object's business: never commit, roll back or close it.
   */
  public Connection connection() {
    return connection;
  }

  /** Runs a query; its result, read whole, no longer needs the connection. */
  public ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator) throws Exception {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, parameters);
      try (ResultSet result = statement.executeQuery();
          ArrowReader reader = arrow(result, allocator)) {
        return MaterializedReader.readWhole(reader, allocator, resultLimitBytes);
      }
    }
  }

  /** The result in the kind's own Arrow types, or else converted by its JDBC types. */
  private ArrowReader arrow(ResultSet result, BufferAllocator allocator) throws Exception {
    ArrowReader own = hosted.arrowResult(result, allocator, BATCH_ROWS);
    return own != null ? own : ResultSetArrowReader.of(result, allocator, BATCH_ROWS);
  }

  /** Runs a statement that changes data or schema; the number of rows changed. */
  public long update(String sql, List<?> parameters) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      bind(statement, parameters);
      return Math.max(0L, statement.executeLargeUpdate());
    }
  }

  private static void bind(PreparedStatement statement, List<?> parameters) throws SQLException {
    for (int i = 0; i < parameters.size(); i++) {
      statement.setObject(i + 1, parameters.get(i));
    }
  }

  /** Sets a savepoint called {@code name}; its id. */
  String savepoint(String name) throws SQLException {
    if (!connection.getMetaData().supportsSavepoints()) {
      throw new IllegalArgumentException("resource '" + resource + "' (" + connection.getMetaData()
          .getDatabaseProductName() + ") has no savepoints");
    }
    Mark mark = new Mark(UUID.randomUUID().toString(), name, connection.setSavepoint(name));
    savepoints.addFirst(mark);
    return mark.id();
  }

  /**
   * Releases the savepoint {@code savepoint} (an id or, failing that, a name: the most recent),
   * or rolls back to it; either way the savepoints set after it are gone, as in SQL.
   */
  void endSavepoint(String savepoint, boolean rollback) throws SQLException {
    Mark found = savepoints.stream().filter(m -> m.id().equals(savepoint)).findFirst()
        .or(() -> savepoints.stream().filter(m -> m.name().equals(savepoint)).findFirst())
        .orElseThrow(() -> new IllegalArgumentException("no savepoint '" + savepoint + "' in this transaction"
            + (savepoints.isEmpty() ? "" : " (savepoints: " + savepoints.stream().map(Mark::name).toList() + ")")));
    if (rollback) {
      connection.rollback(found.savepoint());
    } else {
      connection.releaseSavepoint(found.savepoint());
    }
    for (Iterator<Mark> later = savepoints.iterator(); later.hasNext(); ) {
      Mark m = later.next();
      if (m == found) {
        if (!rollback) {
          later.remove();
        }
        break;
      }
      later.remove();
    }
  }

  /**
   * Commits or rolls back, then releases the connection. A read-only transaction has nothing to
   * commit: both roll back. A commit the database refuses rolls back too, and throws its reason.
   */
  void end(boolean commit) throws Exception {
    SQLException failure = null;
    if (!readOnly) {
      try {
        if (commit) {
          connection.commit();
        } else {
          connection.rollback();
        }
      } catch (SQLException e) {
        failure = e;
        if (commit) {
          rollBackQuietly(e);
        }
      }
    }
    try {
      release(scope);
    } catch (Exception e) {
      if (failure == null) {
        throw e;
      }
      failure.addSuppressed(e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * Rolls back and releases the connection, for a transaction its client abandoned. Rolled back
   * here rather than left to a pool: HikariCP (7.1) misses that {@code executeLargeUpdate} dirtied
   * a connection, and then commits its transaction as it restores autocommit.
   */
  void abandon() throws Exception {
    if (!readOnly) {
      rollBackQuietly(null);
    }
    release(scope);
  }

  private void rollBackQuietly(Exception failure) {
    try {
      connection.rollback();
    } catch (SQLException e) {
      if (failure != null) {
        failure.addSuppressed(e);
      } // a connection that cannot roll back is broken: closing it ends the transaction
    }
  }

  /** Closes what a transaction holds, last first, all of it even if one fails. */
  static void release(List<AutoCloseable> scope) throws Exception {
    List<AutoCloseable> lastFirst = new ArrayList<>(scope);
    Collections.reverse(lastFirst);
    scope.clear();
    Exception failure = null;
    for (AutoCloseable c : lastFirst) {
      try {
        c.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
