package dev.kapu.daemon.spi;

import dev.kapu.api.ReadOnlyException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * An open resource on a daemon. Tasks on several threads use it at once.
 *
 * <p>A resource that offers a {@link Connection} also answers, for the connections it handed out,
 * what Kapu's SQL serving asks of its database beyond JDBC (describing a statement, its result as
 * Arrow, the daemon's tables in its SQL, bulk ingest, catalog metadata). The defaults are what
 * plain JDBC tells, or a refusal that names the kind.
 */
public interface HostedResource extends AutoCloseable {

  /**
   * What {@code ctx.resource(name, type)} returns: a {@link javax.sql.DataSource}, a per-task
   * {@link java.sql.Connection}, the library's own handle. Anything that must be released when
   * the task ends is handed to {@code scope}.
   *
   * @throws IllegalArgumentException if this resource offers nothing of that type
   */
  <T> T get(Class<T> type, TaskScope scope) throws Exception;

  /**
   * Runs SQL and returns its result as Arrow batches, never rows. The reader owns whatever it
   * needs (a connection, a statement) and releases it when closed. A kind whose statements can be
   * stopped while they run registers how with {@code scope} ({@link TaskScope#onStop}), so that a
   * cancel stops the database's work, before the first batch as well as while the reader is read.
   *
   * @param parameters bound in order to the statement's markers; null binds SQL NULL
   */
  ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator, TaskScope scope) throws Exception;

  /**
   * {@link #query} for a caller who may only read: the database itself must refuse to change
   * anything (for instance a read-only transaction, rolled back when the reader closes), and a
   * statement it cannot confine so is refused with {@link ReadOnlyException}. A kind that cannot
   * promise this refuses every such query, which is what this default does.
   */
  default ArrowReader queryReadOnly(String sql, List<?> parameters, BufferAllocator allocator, TaskScope scope)
      throws Exception {
    throw cannotPromiseReadOnly();
  }

  /**
   * A per-task connection for a caller who may only read, as {@link #queryReadOnly} confines
   * them: statements are prepared on it ({@code prepareStatement}), never run unprepared. The
   * default refuses.
   */
  default Connection readOnlyConnection(TaskScope scope) throws Exception {
    throw cannotPromiseReadOnly();
  }

  private ReadOnlyException cannotPromiseReadOnly() {
    return new ReadOnlyException("a resource of kind " + kind() + " cannot promise that a statement only reads");
  }

  /** The kind's name, for messages. */
  String kind();

  /**
   * Makes the daemon's Arrow tables that {@code sql} names readable by name in that one statement
   * on {@code connection} (one this resource handed out); what it returns undoes that once the
   * statement is done. The default exposes nothing: this kind's SQL does not see the tables.
   */
  default AutoCloseable exposeTables(Connection connection, String sql) throws Exception {
    return () -> {};
  }

  /**
   * Whether {@code statement}, prepared on one of this resource's connections and not run, returns
   * rows (a query) rather than a count (an update). The default: when its driver reports result
   * columns.
   */
  default boolean returnsRows(PreparedStatement statement) throws SQLException {
    ResultSetMetaData meta = statement.getMetaData();
    return meta != null && meta.getColumnCount() > 0;
  }

  /**
   * Whether {@code sql} is one statement that only reads, decided by running nothing that can fail
   * on {@code connection} (where a failed statement aborts the transaction, describing must not
   * fail). The default: cannot tell, so a statement is described from its prepared form only.
   */
  default boolean isOneSelect(Connection connection, String sql) throws SQLException {
    return false;
  }

  /**
   * {@code result} (from one of this resource's connections) as Arrow batches of at most {@code
   * batchRows} rows, in the database's own Arrow types; the reader does not own {@code result}.
   * The default, null, leaves it to the daemon, which converts the rows by their JDBC types.
   */
  default ArrowReader arrowResult(ResultSet result, BufferAllocator allocator, long batchRows) throws SQLException {
    return null;
  }

  /**
   * Flight SQL's bulk ingest: writes all of {@code batches} into the table {@code command} names,
   * creating, appending or replacing as its options say, all of them or (failing) none.
   *
   * @param transaction an open read-write transaction's connection on this resource, which the
   *     ingest joins (committing is the client's business); null: a transaction of its own, committed
   * @throws IllegalArgumentException if this kind takes no ingest (the default)
   */
  default void ingest(CommandStatementIngest command, ArrowReader batches, Connection transaction) throws Exception {
    throw new IllegalArgumentException("bulk ingest goes into a resource whose kind takes it;"
        + " a resource of kind " + kind() + " does not");
  }

  /**
   * Whether catalog metadata gives a table's Arrow schema as a query streams it ({@code LIMIT 0}),
   * for a kind whose own Arrow types only a query shows. The default, false, gives the types the
   * database declares, reading no table (a user may see tables they may not read).
   */
  default boolean tableSchemasByQuery() {
    return false;
  }

  /**
   * Answers to Flight SQL's {@code GetSqlInfo}, by info code, that this kind knows better than its
   * JDBC driver's {@link java.sql.DatabaseMetaData}; they replace the driver's. The default: none.
   */
  default Map<Integer, Object> sqlInfo(Connection connection) throws SQLException {
    return Map.of();
  }
}
