package dev.kapu.daemon;

import dev.kapu.api.ReadOnlyException;
import dev.kapu.api.TaskContext;
import dev.kapu.api.builtin.Builtins;
import dev.kapu.api.builtin.CatalogMetadataTask;
import dev.kapu.api.builtin.DescribeTask;
import dev.kapu.api.builtin.ParkQueryTask;
import dev.kapu.api.builtin.QueryTask;
import dev.kapu.api.builtin.TransactionTasks;
import dev.kapu.api.builtin.UpdateTask;
import dev.kapu.daemon.internal.DatabaseErrors;
import dev.kapu.daemon.internal.OpenTransactions;
import dev.kapu.daemon.internal.StatementGuard;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.flight.ErrorStatuses;
import dev.kapu.flight.sql.SqlSchemas;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.apache.arrow.vector.ipc.ArrowReader;

/** Carries out Kapu's built-in tasks on this daemon (found by {@link Builtins#get} as a service). */
public final class DaemonBuiltins implements Builtins {

  @Override
  public ArrowReader query(TaskContext ctx, QueryTask task) {
    Object[] values = task.parameters().toArray();
    return task.readOnly()
        ? DaemonContexts.of(ctx).queryReadOnly(task.resource(), task.sql(), values)
        : ctx.query(task.resource(), task.sql(), values);
  }

  @Override
  public ParkQueryTask.Parked park(TaskContext ctx, ParkQueryTask task) {
    return DaemonContexts.parkOpening(ctx, task.resource(), task.sql(), task.parameters(), task.readOnly(),
        task.decodeDictionaries(),
        failure -> failure instanceof ReadOnlyException refusal
            ? ErrorStatuses.of(new SecurityException(refusal.getMessage(), refusal), task.caller(), task.resource())
            : DatabaseErrors.status("", failure),
        SqlSchemas.fromBytes(task.announced()));
  }

  @Override
  public ParkQueryTask.Parked parkTable(TaskContext ctx, String table) {
    return DaemonContexts.park(ctx, ctx.tables().get(table));
  }

  @Override
  public long update(TaskContext ctx, UpdateTask task) throws Exception {
    Connection connection = ctx.resource(task.resource(), Connection.class);
    // CREATE TABLE ... AS SELECT * FROM an_uploaded_table keeps a copy in the database
    try (AutoCloseable exposed = DaemonContexts.of(ctx).hosted(task.resource()).exposeTables(connection, task.sql())) {
      try (PreparedStatement statement = connection.prepareStatement(task.sql())) {
        for (int i = 0; i < task.parameters().size(); i++) {
          statement.setObject(i + 1, task.parameters().get(i));
        }
        // a cancelled task stops the database too, even when the cancel came before the statement ran
        StatementGuard guard = StatementGuard.register(DaemonContexts.of(ctx), statement::cancel);
        return Math.max(0L, guard.execute(statement::executeLargeUpdate));
      }
    } catch (SQLException e) {
      throw DaemonContexts.statementFailed(task.resource(), e);
    }
  }

  @Override
  public DescribeTask.Description describe(TaskContext ctx, DescribeTask task) throws Exception {
    return new StatementDescriber(task, DaemonContexts.of(ctx).hosted(task.resource())).describe(ctx);
  }

  @Override
  public List<List<Object>> catalogMetadata(TaskContext ctx, CatalogMetadataTask task) throws Exception {
    String resource = task.resource();
    HostedResource hosted = DaemonContexts.of(ctx).hosted(resource);
    Connection connection = task.readOnly()
        ? DaemonContexts.of(ctx).readOnlyConnection(resource)
        : ctx.resource(resource, Connection.class);
    try {
      // a table's columns as Flight SQL queries stream them: dictionary-encoded ones as their values
      return new CatalogReader(connection, resource, hosted,
          sql -> StatementDescriber.resultSchema(hosted, connection, sql, List.of(), true, ctx)).answer(task.request());
    } catch (Exception e) {
      if (task.readOnly()) {
        ReadOnlyException.throwIfDatabaseRefusal(e);
      }
      throw DaemonContexts.statementFailed(resource, e);
    }
  }

  @Override
  public ArrowReader input(TaskContext ctx, String ticket) {
    return DaemonContexts.of(ctx).parked(ticket);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T transaction(TaskContext ctx, TransactionTasks.Step<T> step) throws Exception {
    return (T) carryOut(ctx, DaemonContexts.of(ctx).transactions(), step);
  }

  private static Object carryOut(TaskContext ctx, OpenTransactions open, TransactionTasks.Step<?> step)
      throws Exception {
    if (step instanceof TransactionTasks.Begin b) {
      String id = open.begin(b.resource(), b.readOnly(), b.isolation(), Duration.ofMillis(b.idleMillis()),
          b.resultLimitBytes());
      return new TransactionTasks.Begun(id, ctx.daemonId());
    } else if (step instanceof TransactionTasks.End e) {
      open.end(e.transaction(), e.commit());
      return true;
    } else if (step instanceof TransactionTasks.SetSavepoint s) {
      return open.savepoint(s.transaction(), s.name());
    } else if (step instanceof TransactionTasks.EndSavepoint s) {
      open.endSavepoint(s.transaction(), s.savepoint(), s.rollback());
      return true;
    } else if (step instanceof TransactionTasks.Describe d) {
      return open.use(d.transaction(), held ->
          new StatementDescriber(held.hosted(), held.resource(), d.sql(), held.readOnly(), d.parameters(),
              d.decodeDictionaries())
              .describeHeld(held.connection(), ctx));
    } else if (step instanceof TransactionTasks.Query q) {
      return queryHeld(ctx, open, q.transaction(), q.sql(), q.parameters());
    } else if (step instanceof TransactionTasks.Park p) {
      return parkHeld(ctx, open, p);
    } else if (step instanceof TransactionTasks.Update u) {
      return open.use(u.transaction(), held -> held.update(u.sql(), u.parameters()));
    }
    throw new IllegalArgumentException("not a transaction step: " + step);
  }

  private static ArrowReader queryHeld(TaskContext ctx, OpenTransactions open, String transaction, String sql,
      List<Object> parameters) throws Exception {
    return open.use(transaction, held -> held.query(sql, parameters, ctx.allocator()));
  }

  private static ParkQueryTask.Parked parkHeld(TaskContext ctx, OpenTransactions open, TransactionTasks.Park park)
      throws Exception {
    ArrowReader result = queryHeld(ctx, open, park.transaction(), park.sql(), park.parameters());
    try {
      return DaemonContexts.park(ctx, park.decodeDictionaries() ? DaemonContexts.decoded(result) : result);
    } catch (IOException | RuntimeException e) {
      result.close();
      throw e;
    }
  }
}
