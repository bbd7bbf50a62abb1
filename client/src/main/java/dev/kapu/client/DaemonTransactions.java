package dev.kapu.client;

import dev.kapu.api.DaemonLostException;
import dev.kapu.api.KapuException;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import dev.kapu.api.UnknownResourceException;
import dev.kapu.api.builtin.DescribeTask;
import dev.kapu.api.builtin.ParkQueryTask;
import dev.kapu.api.builtin.TransactionTasks;
import dev.kapu.flight.sql.SqlBackend;
import dev.kapu.flight.sql.SqlSchemas;
import dev.kapu.flight.sql.TransactionEndedException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Flight SQL transactions as {@link TransactionTasks}: {@code begin} runs on a daemon hosting the
 * catalog, and everything else is routed to that daemon's address, with which the transaction's id
 * starts. While it waits for a task, it checks every second that the address is still hosted: a
 * statement sent to a daemon that is gone fails with {@link TransactionEndedException} rather than
 * waiting for a daemon that will never come.
 */
final class DaemonTransactions {
  private final Kapu kapu;
  private final KapuSqlBackend.TransactionSettings settings;

  DaemonTransactions(Kapu kapu, KapuSqlBackend.TransactionSettings settings) {
    this.kapu = kapu;
    this.settings = settings;
  }

  SqlBackend.Transaction begin(String catalog, boolean readOnly, int isolation) throws Exception {
    TransactionTasks.Begun begun = await(new TransactionTasks.Begin(catalog, readOnly, isolation,
        settings.idleTimeout().toMillis(), settings.resultLimitBytes()), catalog, null);
    return new SqlBackend.Transaction(begun.id(), catalog, readOnly, begun.daemonId(), settings.idleTimeout());
  }

  void end(SqlBackend.Transaction t, boolean commit) throws Exception {
    await(new TransactionTasks.End(t.id(), commit), t);
  }

  String savepoint(SqlBackend.Transaction t, String name) throws Exception {
    return await(new TransactionTasks.SetSavepoint(t.id(), name), t);
  }

  void endSavepoint(SqlBackend.Transaction t, String savepoint, boolean rollback) throws Exception {
    await(new TransactionTasks.EndSavepoint(t.id(), savepoint, rollback), t);
  }

  /** The statements of {@code backend}, run inside {@code t}. */
  SqlBackend in(SqlBackend.Transaction t, SqlBackend backend) {
    return new InTransaction(t, backend);
  }

  private <T> T await(Task<T> task, SqlBackend.Transaction t) throws Exception {
    return await(task, TransactionTasks.address(t.id()), t);
  }

  /**
   * Runs {@code task} on a daemon hosting {@code on} and waits for its value; with {@code t}, gives
   * up once the daemon holding {@code t} has gone.
   */
  private <T> T await(Task<T> task, String on, SqlBackend.Transaction t) throws Exception {
    TaskFuture<T> future = kapu.submit(task, TaskOptions.on(on));
    try {
      while (true) {
        try {
          return future.get(1, TimeUnit.SECONDS);
        } catch (TimeoutException stillRunning) {
          if (t != null && kapu.status().daemons().stream().noneMatch(d -> d.resources().contains(on))) {
            future.cancel(true);
            throw lost(t, "it is no longer connected");
          }
        }
      }
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw e;
    } catch (ExecutionException e) {
      throw translate(e.getCause(), t);
    }
  }

  /** A task's failure as the producer tells it to clients. */
  private static Exception translate(Throwable failure, SqlBackend.Transaction t) {
    if (failure instanceof RemoteTaskException remote) {
      String type = remote.remoteClassName();
      if (TransactionEndedException.class.getName().equals(type)) {
        return new TransactionEndedException(remote.remoteMessage());
      }
      if (IllegalArgumentException.class.getName().equals(type)) {
        return new IllegalArgumentException(remote.remoteMessage(), remote);
      }
      return KapuSqlBackend.translate(remote);
    }
    if (t != null && failure instanceof DaemonLostException) {
      return lost(t, failure.getMessage());
    }
    if (t != null && failure instanceof UnknownResourceException) {
      return lost(t, "it is no longer connected");
    }
    return failure instanceof Exception e ? e : new KapuException(failure.toString(), failure);
  }

  private static TransactionEndedException lost(SqlBackend.Transaction t, String why) {
    return new TransactionEndedException("transaction " + t.id() + " was lost with daemon " + t.holder()
        + ", which held its connection (" + why + "); the database rolled it back");
  }

  /** A backend's statements inside one transaction. */
  private final class InTransaction implements SqlBackend {
    private final Transaction t;
    private final SqlBackend outside;

    InTransaction(Transaction t, SqlBackend outside) {
      this.t = t;
      this.outside = outside;
    }

    @Override
    public List<String> catalogs() {
      return outside.catalogs();
    }

    @Override
    public List<String> sqlCatalogs() {
      return outside.sqlCatalogs();
    }

    /** A statement for the transaction's catalog, by a caller no more confined than the transaction. */
    private void check(String catalog, boolean readOnly) {
      if (!catalog.equals(t.catalog())) {
        throw new IllegalArgumentException("transaction " + t.id() + " runs on catalog '" + t.catalog() + "', not '"
            + catalog + "'");
      }
      if (readOnly && !t.readOnly()) {
        throw new IllegalStateException("a read-only caller in read-write transaction " + t.id());
      }
    }

    @Override
    public Description describe(Statement s) throws Exception {
      check(s.catalog(), s.readOnly());
      DescribeTask.Description d = await(new TransactionTasks.Describe(t.id(), s.sql(), s.parameters(),
          !s.keepDictionaries()), t);
      return new Description(d.result() == null ? null : SqlSchemas.fromBytes(d.result()),
          SqlSchemas.fromBytes(d.parameters()));
    }

    @Override
    public ArrowReader query(String catalog, String sql, List<Object> parameters, boolean readOnly) throws Exception {
      check(catalog, readOnly);
      return await(new TransactionTasks.Query(t.id(), sql, parameters), t);
    }

    /** Runs the query now, in its place among the transaction's statements; its result waits on the daemon. */
    @Override
    public Parked park(Statement s, Schema result) throws Exception {
      check(s.catalog(), s.readOnly());
      ParkQueryTask.Parked p = await(new TransactionTasks.Park(t.id(), s.sql(), s.parameters(),
          !s.keepDictionaries()), t);
      return new Parked(p.location(), p.ticket());
    }

    @Override
    public boolean cancel(Parked parked) throws Exception {
      return outside.cancel(parked);
    }

    @Override
    public ArrowReader fetch(Parked parked) throws Exception {
      return outside.fetch(parked);
    }

    @Override
    public long update(String catalog, String sql, List<Object> parameters) throws Exception {
      check(catalog, false);
      return await(new TransactionTasks.Update(t.id(), sql, parameters), t);
    }
  }
}
