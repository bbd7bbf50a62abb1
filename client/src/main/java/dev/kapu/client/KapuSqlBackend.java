package dev.kapu.client;

import dev.kapu.daemon.DescribeTask;
import dev.kapu.daemon.ParkQueryTask;
import dev.kapu.daemon.QueryTask;
import dev.kapu.daemon.Task;
import dev.kapu.daemon.UpdateTask;
import dev.kapu.daemon.spi.ReadOnlyException;
import dev.kapu.flight.StatementFailure;
import dev.kapu.flight.sql.SqlBackend;
import dev.kapu.flight.sql.SqlSchemas;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Flight SQL's {@link SqlBackend} on a Kapu session: every statement is a task ({@link
 * DescribeTask}, {@link QueryTask}, {@link ParkQueryTask}, {@link UpdateTask}) routed to a daemon
 * hosting the resource the catalog names. A read-only caller's statements carry the flag to the
 * daemon, whose resource refuses or confines them; its refusal ({@link ReadOnlyException}) becomes
 * a {@link SecurityException}. Cancelling a parked result calls its daemon's endpoint with the
 * session's token, so that needs a session Kapu made ({@code Kapu.builder()}, as a producer factory
 * is given), not another {@link Kapu}.
 */
public final class KapuSqlBackend implements SqlBackend {
  private final Kapu kapu;
  private final List<String> catalogs;
  private final List<String> sqlCatalogs;

  /**
   * @param catalogs the hosted resources to offer, the default first
   * @param sqlCatalogs those that answer {@code information_schema} queries
   */
  public KapuSqlBackend(Kapu kapu, List<String> catalogs, List<String> sqlCatalogs) {
    if (catalogs.isEmpty()) {
      throw new IllegalArgumentException("no resource to serve");
    }
    this.kapu = kapu;
    this.catalogs = List.copyOf(catalogs);
    this.sqlCatalogs = List.copyOf(sqlCatalogs);
  }

  @Override
  public List<String> catalogs() {
    return catalogs;
  }

  @Override
  public List<String> sqlCatalogs() {
    return sqlCatalogs;
  }

  private void check(String catalog) {
    if (!catalogs.contains(catalog)) {
      throw new IllegalArgumentException("unknown resource '" + catalog + "'; served: " + catalogs);
    }
  }

  @Override
  public Description describe(String catalog, String sql, boolean readOnly) throws Exception {
    check(catalog);
    DescribeTask.Description d = run(catalog, new DescribeTask(catalog, sql, readOnly));
    return new Description(d.result() == null ? null : SqlSchemas.fromBytes(d.result()),
        SqlSchemas.fromBytes(d.parameters()));
  }

  @Override
  public ArrowReader query(String catalog, String sql, List<Object> parameters, boolean readOnly) throws Exception {
    check(catalog);
    return run(catalog, new QueryTask(catalog, sql, parameters, readOnly));
  }

  @Override
  public Parked park(String catalog, String sql, List<Object> parameters, boolean readOnly) throws Exception {
    check(catalog);
    ParkQueryTask.Parked p = run(catalog, new ParkQueryTask(catalog, sql, parameters, readOnly));
    return new Parked(p.location(), p.ticket());
  }

  @Override
  public boolean cancel(Parked parked) {
    if (!(kapu instanceof Session session)) {
      throw new UnsupportedOperationException("cancelling needs a session made by Kapu.builder(), not a "
          + kapu.getClass().getName());
    }
    return session.streams().cancel(parked.location(), parked.ticket());
  }

  @Override
  public long update(String catalog, String sql, List<Object> parameters) throws Exception {
    check(catalog);
    return run(catalog, new UpdateTask(catalog, sql, parameters));
  }

  private <T> T run(String catalog, Task<T> task) throws Exception {
    return await(kapu, task, TaskOptions.on(catalog));
  }

  /**
   * Runs {@code task} and waits for its value. A daemon's read-only refusal ({@link
   * ReadOnlyException}) is thrown as a {@link SecurityException}, any other failure on the daemon
   * as a {@link StatementFailure} with the category the daemon gave it (none for a fault of Kapu's
   * own) and its message without the remote class's name; a failure on the way is thrown as it is.
   */
  static <T> T await(Kapu kapu, Task<T> task, TaskOptions options) throws Exception {
    try {
      return kapu.submit(task, options).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RemoteTaskException remote) {
        if (ReadOnlyException.class.getName().equals(remote.remoteClassName())) {
          throw new SecurityException(remote.remoteMessage(), remote);
        }
        throw new StatementFailure(remote.category(), remote.remoteMessage() != null ? remote.remoteMessage()
            : "the task failed inside Kapu on its daemon (the daemon's log has the details)", remote);
      }
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
