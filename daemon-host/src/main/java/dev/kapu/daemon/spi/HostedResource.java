package dev.kapu.daemon.spi;

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
   * needs (a connection, a statement) and releases it when closed.
   */
  ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator) throws Exception;

  /** The kind's name, for messages. */
  String kind();
}
