package dev.kapu.api;

import java.util.concurrent.ConcurrentMap;
import java.util.random.RandomGenerator;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/** What a running task can reach on its daemon. */
public interface TaskContext {

  /**
   * This task's random stream. It depends only on the session's seed and the task's place in the
   * session (which submission, which map item), never on the daemon: results reproduce.
   */
  RandomGenerator random();

  /**
   * State shared by every task on this daemon for its lifetime; {@code everywhere()} setups
   * usually fill it.
   */
  ConcurrentMap<String, Object> state();

  /** The daemon running this task. */
  String daemonId();

  /** True once the task has been cancelled or timed out; long loops should check it (or interrupts). */
  boolean stopRequested();

  /**
   * A resource this daemon hosts, as {@code type}: a {@link javax.sql.DataSource} or per-task
   * {@link java.sql.Connection} for {@code jdbc}, a per-task connection for {@code duckdb}, an
   * {@code AdbcConnection} for {@code adbc}, {@link ArrowTables} for {@code arrow}. What is
   * per-task is closed when the task ends. Name the resource in the task's options so that the
   * task is routed to a daemon that hosts it.
   */
  <T> T resource(String name, Class<T> type);

  /**
   * Runs SQL on a hosted resource; the result comes as Arrow batches (DuckDB's Arrow export,
   * arrow-jdbc, the ADBC reader). Close the reader, or it is closed when the task ends.
   */
  ArrowReader query(String resource, String sql, Object... parameters);

  /**
   * A JDBC result as Arrow batches (arrow-jdbc). The reader takes over the result set, its
   * statement and, if it came from {@link #resource}, its connection: return the reader from the
   * task and it streams to the caller, batch by batch.
   */
  ArrowReader arrow(java.sql.ResultSet resultSet);

  /** This daemon's in-memory Arrow tables. */
  ArrowTables tables();

  /** An allocator for Arrow data this task builds; what is left open is the task's leak. */
  BufferAllocator allocator();

  /** The context of the task running on this thread. */
  static TaskContext current() {
    TaskContext ctx = CurrentTask.get();
    if (ctx == null) {
      throw new IllegalStateException("no Kapu task is running on this thread");
    }
    return ctx;
  }
}
