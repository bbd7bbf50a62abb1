package dev.kapu.api.builtin;

import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;
import java.io.Serializable;
import java.util.List;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * The tasks behind Flight SQL transactions. {@link Begin} opens a transaction on a daemon hosting
 * the resource: a connection of its own, held until {@link End}. Every daemon hosts a name of its
 * own, its address, with which the transaction's id starts ({@link #address}), so the other tasks
 * here, routed to it ({@code TaskOptions.on(address(id))}), run on that daemon, on that
 * connection, one after the other. A transaction is rolled back when left idle past its timeout,
 * and when its daemon goes. A task naming a transaction that is no longer open fails saying how it
 * ended.
 *
 * <p>A query's result is read whole on the daemon before the task returns, so that the connection
 * is free for the next statement while the client fetches it; at most {@code resultLimitBytes}.
 * The daemon's Arrow tables are not visible inside transactions.
 */
public final class TransactionTasks {
  /** A daemon's address starts so; a table's name is an identifier, and a resource's is not this. */
  public static final String ADDRESS_PREFIX = "kapu.daemon.";

  private TransactionTasks() {}

  /** Whether a hosted name is a daemon's address, not a resource's or a table's. */
  public static boolean isAddress(String hostedName) {
    return hostedName.startsWith(ADDRESS_PREFIX);
  }

  /** The hosted name that routes a task to the daemon holding {@code transaction}. */
  public static String address(String transaction) {
    int slash = transaction.indexOf('/');
    return slash < 0 ? transaction : transaction.substring(0, slash);
  }

  /** One step of a transaction; the daemon's {@link Builtins#transaction} carries it out. */
  public sealed interface Step<T> extends Task<T>
      permits Begin, End, SetSavepoint, EndSavepoint, Describe, Query, Park, Update {
    @Override
    default T run(TaskContext ctx) throws Exception {
      return Builtins.get().transaction(ctx, this);
    }
  }

  /**
   * Begins a transaction on {@code resource}.
   *
   * @param readOnly on the resource's read-only connection: the database refuses writes
   * @param isolation a {@link java.sql.Connection} {@code TRANSACTION_*} level, or {@code TRANSACTION_NONE}
   * @param idleMillis rolled back after this long without a statement
   * @param resultLimitBytes the most a query's result may hold
   */
  public record Begin(String resource, boolean readOnly, int isolation, long idleMillis, long resultLimitBytes)
      implements Step<Begun> {}

  /**
   * A transaction begun.
   *
   * @param id its id, which starts with its daemon's {@link #address}
   * @param daemonId the daemon that holds it
   */
  public record Begun(String id, String daemonId) implements Serializable {}

  /** Commits or rolls back; the transaction ends either way. */
  public record End(String transaction, boolean commit) implements Step<Boolean> {}

  /** Sets a savepoint called {@code name}; returns its id. */
  public record SetSavepoint(String transaction, String name) implements Step<String> {}

  /** Releases a savepoint (by id, else by name, the most recent), or rolls back to it. */
  public record EndSavepoint(String transaction, String savepoint, boolean rollback) implements Step<Boolean> {}

  /**
   * {@link DescribeTask} inside the transaction: nothing it tries ends or aborts the transaction.
   *
   * @param parameters values bound, whose types the result's schema follows; empty for none yet
   * @param decodeDictionaries the result's dictionary-encoded columns are described as their values
   */
  public record Describe(String transaction, String sql, List<Object> parameters, boolean decodeDictionaries)
      implements Step<DescribeTask.Description> {}

  /** A query inside the transaction; like any Arrow result, its reader streams from the daemon. */
  public record Query(String transaction, String sql, List<Object> parameters) implements Step<ArrowReader> {}

  /**
   * {@link ParkQueryTask} inside the transaction: the query runs now, in its place among the
   * transaction's statements, and its result waits on the daemon for a Flight SQL client.
   *
   * @param decodeDictionaries dictionary-encoded columns go out as the values they stand for
   */
  public record Park(String transaction, String sql, List<Object> parameters, boolean decodeDictionaries)
      implements Step<ParkQueryTask.Parked> {}

  /** An update inside the transaction; the number of rows changed. */
  public record Update(String transaction, String sql, List<Object> parameters) implements Step<Long> {}
}
