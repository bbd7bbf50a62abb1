package dev.kapu.daemon.spi;

import dev.kapu.api.ReadOnlyException;

import java.sql.Connection;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/** An open resource on a daemon. Tasks on several threads use it at once. */
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
}
