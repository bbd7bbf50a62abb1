package dev.kapu.client;

import dev.kapu.api.DaemonLostException;
import dev.kapu.api.ReadOnlyException;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import dev.kapu.api.UnknownResourceException;
import dev.kapu.api.builtin.CatalogMetadataTask;
import dev.kapu.api.builtin.CatalogRequest;
import dev.kapu.api.builtin.DescribeTask;
import dev.kapu.api.builtin.ParkQueryTask;
import dev.kapu.api.builtin.QueryTask;
import dev.kapu.api.builtin.UpdateTask;
import dev.kapu.flight.StatementFailure;
import dev.kapu.flight.sql.ResourceUnavailableException;
import dev.kapu.flight.sql.SqlBackend;
import dev.kapu.flight.sql.SqlSchemas;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Flight SQL's {@link SqlBackend} on a Kapu session: every statement is a task ({@link
 * DescribeTask}, {@link QueryTask}, {@link ParkQueryTask}, {@link UpdateTask}, {@link
 * CatalogMetadataTask}) routed to a daemon
 * hosting the resource the catalog names. A read-only caller's statements carry the flag to the
 * daemon, whose resource refuses or confines them; its refusal ({@link ReadOnlyException}) becomes
 * a {@link SecurityException}. Cancelling a parked result calls its daemon's endpoint with the
 * session's token, and so does relaying one, so those need a session Kapu made ({@code
 * Kapu.builder()}, as a producer factory is given), not another {@link Kapu}. A statement whose
 * daemon died, or whose resource has no daemon now, fails with a {@link
 * ResourceUnavailableException} saying what became of the data.
 *
 * <p>Transactions hold a connection on one daemon ({@link dev.kapu.api.builtin.TransactionTasks}), as
 * {@link TransactionSettings} say: rolled back after an idle timeout, and each query's result read
 * whole on the daemon, up to a limit.
 */
public final class KapuSqlBackend implements SqlBackend {
  private final Kapu kapu;
  private final List<String> catalogs;
  private final List<String> sqlCatalogs;
  private final Function<String, String> afterLoss;
  private final DaemonTransactions transactions;

  /**
   * How transactions behave.
   *
   * @param idleTimeout a transaction without a statement this long is rolled back
   * @param resultLimitBytes the most a query's result inside a transaction may hold (it is read
   *     whole on its daemon, so that the transaction's connection is free for the next statement)
   */
  public record TransactionSettings(Duration idleTimeout, long resultLimitBytes) {
    /** Five minutes idle; 512 MiB per result. */
    public static final TransactionSettings DEFAULT = new TransactionSettings(Duration.ofMinutes(5), 512L << 20);

    public TransactionSettings {
      if (idleTimeout.isNegative() || idleTimeout.isZero() || resultLimitBytes <= 0) {
        throw new IllegalArgumentException("a transaction's idle timeout and result limit must be positive");
      }
    }
  }

  /**
   * @param catalogs the hosted resources to offer, the default first
   * @param sqlCatalogs those that answer {@code information_schema} queries
   */
  public KapuSqlBackend(Kapu kapu, List<String> catalogs, List<String> sqlCatalogs) {
    this(kapu, catalogs, sqlCatalogs, name -> "run the statement again once a daemon hosts it",
        TransactionSettings.DEFAULT);
  }

  /**
   * @param afterLoss what became of a resource, by name, whose daemon died under a statement (see
   *     {@link ResourceLoss})
   * @param settings how transactions behave
   */
  public KapuSqlBackend(Kapu kapu, List<String> catalogs, List<String> sqlCatalogs, Function<String, String> afterLoss,
      TransactionSettings settings) {
    if (catalogs.isEmpty()) {
      throw new IllegalArgumentException("no resource to serve");
    }
    this.kapu = kapu;
    this.catalogs = List.copyOf(catalogs);
    this.sqlCatalogs = List.copyOf(sqlCatalogs);
    this.afterLoss = afterLoss;
    this.transactions = new DaemonTransactions(kapu, settings);
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

  @Override
  public List<List<Object>> metadata(String catalog, CatalogRequest request, boolean readOnly) throws Exception {
    check(catalog);
    return run(catalog, new CatalogMetadataTask(catalog, request, readOnly));
  }

  @Override
  public Transaction begin(String catalog, boolean readOnly, int isolation) throws Exception {
    check(catalog);
    return transactions.begin(catalog, readOnly, isolation);
  }

  @Override
  public void end(Transaction transaction, boolean commit) throws Exception {
    transactions.end(transaction, commit);
  }

  @Override
  public String savepoint(Transaction transaction, String name) throws Exception {
    return transactions.savepoint(transaction, name);
  }

  @Override
  public void endSavepoint(Transaction transaction, String savepoint, boolean rollback) throws Exception {
    transactions.endSavepoint(transaction, savepoint, rollback);
  }

  @Override
  public SqlBackend in(Transaction transaction) {
    return transactions.in(transaction, this);
  }

  private <T> T run(String catalog, Task<T> task) throws Exception {
    try {
      return await(kapu, task, TaskOptions.on(catalog));
    } catch (DaemonLostException e) {
      throw new ResourceUnavailableException("the daemon hosting '" + catalog + "' died while running this"
          + " statement; " + afterLoss.apply(catalog) + " [" + e.getMessage() + "]", e);
    } catch (UnknownResourceException e) {
      // the catalog is served (checked first), so no daemon hosting it is connected now
      throw new ResourceUnavailableException("'" + catalog + "' is not available now: " + e.getMessage(), e);
    }
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
        throw translate(remote);
      }
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /**
   * A statement task's failure on its daemon as the producer tells it to clients: a read-only
   * refusal as a {@link SecurityException}, anything else as a {@link StatementFailure} with the
   * daemon's judgement of whose fault it was and the database's own words.
   */
  static RuntimeException translate(RemoteTaskException remote) {
    if (ReadOnlyException.class.getName().equals(remote.remoteClassName())) {
      return new SecurityException(remote.remoteMessage(), remote);
    }
    return new StatementFailure(remote.category(), remote.remoteMessage() != null ? remote.remoteMessage()
        : "the task failed inside Kapu on its daemon (the daemon's log has the details)", remote);
  }

}
