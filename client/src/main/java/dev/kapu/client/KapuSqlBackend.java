package dev.kapu.client;

import dev.kapu.daemon.DescribeTask;
import dev.kapu.daemon.ParkQueryTask;
import dev.kapu.daemon.QueryTask;
import dev.kapu.daemon.Task;
import dev.kapu.daemon.UpdateTask;
import dev.kapu.daemon.spi.ReadOnlyException;
import dev.kapu.flight.sql.SqlBackend;
import dev.kapu.flight.sql.SqlSchemas;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Flight SQL's {@link SqlBackend} on a Kapu session: every statement is a task ({@link
 * DescribeTask}, {@link QueryTask}, {@link ParkQueryTask}, {@link UpdateTask}) routed to a daemon
 * hosting the resource the catalog names. A read-only caller's statements carry the flag to the
 * daemon, whose resource refuses or confines them; its refusal ({@link ReadOnlyException}) becomes
 * a {@link SecurityException}. Cancelling a parked result calls its daemon's endpoint with the
 * session's token, and so does relaying one, so those need a session Kapu made ({@code
 * Kapu.builder()}, as a producer factory is given), not another {@link Kapu}.
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
  public Description describe(Statement s) throws Exception {
    check(s.catalog());
    DescribeTask.Description d = run(s.catalog(),
        new DescribeTask(s.catalog(), s.sql(), s.readOnly(), s.parameters(), !s.keepDictionaries()));
    return new Description(d.result() == null ? null : SqlSchemas.fromBytes(d.result()),
        SqlSchemas.fromBytes(d.parameters()));
  }

  @Override
  public ArrowReader query(String catalog, String sql, List<Object> parameters, boolean readOnly) throws Exception {
    check(catalog);
    return run(catalog, new QueryTask(catalog, sql, parameters, readOnly));
  }

  @Override
  public Parked park(Statement s, Schema result) throws Exception {
    check(s.catalog());
    ParkQueryTask.Parked p = run(s.catalog(), new ParkQueryTask(s.catalog(), s.sql(), s.parameters(), s.readOnly(),
        !s.keepDictionaries(), s.user(), SqlSchemas.toBytes(result)));
    return new Parked(p.location(), p.ticket());
  }

  @Override
  public ArrowReader fetch(Parked parked) {
    return session("relaying").streams().open(parked.location(), parked.ticket());
  }

  @Override
  public boolean cancel(Parked parked) {
    return session("cancelling").streams().cancel(parked.location(), parked.ticket());
  }

  /** The session's own streams reach daemons' endpoints with its token. */
  private Session session(String what) {
    if (!(kapu instanceof Session session)) {
      throw new UnsupportedOperationException(what + " needs a session made by Kapu.builder(), not a "
          + kapu.getClass().getName());
    }
    return session;
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
   * Runs {@code task} and waits for its value; its failure is thrown as the cause, and a daemon's
   * read-only refusal ({@link ReadOnlyException}) as a {@link SecurityException}.
   */
  static <T> T await(Kapu kapu, Task<T> task, TaskOptions options) throws Exception {
    try {
      return kapu.submit(task, options).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RemoteTaskException remote
          && ReadOnlyException.class.getName().equals(remote.remoteClassName())) {
        throw new SecurityException(remote.remoteMessage(), remote);
      }
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
