package dev.kapu.client;

import dev.kapu.daemon.DescribeTask;
import dev.kapu.daemon.ParkQueryTask;
import dev.kapu.daemon.Task;
import dev.kapu.daemon.UpdateTask;
import dev.kapu.flight.sql.SqlBackend;
import dev.kapu.flight.sql.SqlSchemas;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Flight SQL's {@link SqlBackend} on a Kapu session: every statement is a task ({@link
 * DescribeTask}, {@code QueryTask} through {@link Kapu#query}, {@link ParkQueryTask}, {@link
 * UpdateTask}) routed to a daemon hosting the resource the catalog names. Cancelling a parked
 * result calls its daemon's endpoint with the session's token, so that needs a session Kapu made
 * ({@code Kapu.builder()}, as a producer factory is given), not another {@link Kapu}.
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
  public Description describe(String catalog, String sql) throws Exception {
    check(catalog);
    DescribeTask.Description d = run(catalog, new DescribeTask(catalog, sql));
    return new Description(d.result() == null ? null : SqlSchemas.fromBytes(d.result()),
        SqlSchemas.fromBytes(d.parameters()));
  }

  @Override
  public ArrowReader query(String catalog, String sql, List<Object> parameters) {
    check(catalog);
    return kapu.query(catalog, sql, parameters.toArray());
  }

  @Override
  public Parked park(String catalog, String sql, List<Object> parameters) throws Exception {
    check(catalog);
    ParkQueryTask.Parked p = run(catalog, new ParkQueryTask(catalog, sql, parameters));
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
    TaskOptions options = TaskOptions.on(catalog);
    try {
      return kapu.submit(task, options).get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
