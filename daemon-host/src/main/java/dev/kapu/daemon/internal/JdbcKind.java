package dev.kapu.daemon.internal;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.daemon.spi.ResourceEnvironment;
import dev.kapu.daemon.spi.ResourceKind;
import dev.kapu.daemon.spi.TaskScope;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.postgresql.PGConnection;

/**
 * {@code kind: jdbc}: a HikariCP pool on any JDBC URL (the PostgreSQL driver ships with Kapu).
 *
 * <p>Options: those of the pool ({@code url}, {@code user}, {@code password}, {@code poolSize},
 * {@code minIdle}, {@code driverClassName}, {@code connectionTimeoutMs}, {@code property.NAME}), plus
 * {@code fetchSize} (rows per round trip to the database, default 10000; 0 leaves the driver's
 * default) and {@code batchRows} (rows per Arrow batch, default 65536).
 *
 * <p>Tasks get the pool as a {@link DataSource}, a {@link Connection} of their own (back in the
 * pool when the task ends) or the pool's {@link HikariPoolMXBean}. Queries run on a pooled
 * connection and come back through arrow-jdbc as Arrow batches. With {@code fetchSize > 0} a query
 * runs inside a transaction, committed when its reader closes: that is what makes pgJDBC fetch
 * with a cursor, {@code fetchSize} rows at a time, instead of holding the whole result in memory.
 *
 * <p>For a caller who may only read, statements run in a transaction marked read-only ({@link
 * Connection#setReadOnly}, which PostgreSQL's driver turns into {@code BEGIN READ ONLY}, so the
 * server refuses any write) and rolled back at the end. Drivers that take read-only as a mere hint
 * enforce nothing: serve such databases to read-only users through a database account that can
 * only read.
 */
public final class JdbcKind implements ResourceKind {
  @Override
  public String name() {
    return "jdbc";
  }

  @Override
  public boolean sqlCatalog() {
    return true;
  }

  @Override
  public HostedResource open(ResourceSpec spec, ResourceEnvironment environment) throws Exception {
    int fetchSize = JdbcPools.nonNegative(spec, "fetchSize", 10_000);
    int batchRows = JdbcPools.positive(spec, "batchRows", 65_536);
    return new Jdbc(JdbcPools.open(spec, Map.of()), fetchSize, batchRows);
  }

  private static final class Jdbc implements HostedResource {
    private final HikariDataSource pool;
    private final int fetchSize;
    private final int batchRows;

    Jdbc(HikariDataSource pool, int fetchSize, int batchRows) {
      this.pool = pool;
      this.fetchSize = fetchSize;
      this.batchRows = batchRows;
    }

    @Override
    public String kind() {
      return "jdbc";
    }

    @Override
    public <T> T get(Class<T> type, TaskScope scope) throws Exception {
      if (type == Connection.class) {
        Connection connection = pool.getConnection();
        scope.closeAtEnd(connection);
        return type.cast(connection);
      }
      if (type == DataSource.class) {
        return type.cast(pool);
      }
      if (type == HikariPoolMXBean.class) {
        return type.cast(pool.getHikariPoolMXBean());
      }
      throw new IllegalArgumentException("a jdbc resource offers javax.sql.DataSource, java.sql.Connection"
          + " (one per task, back in the pool when the task ends) or com.zaxxer.hikari.HikariPoolMXBean,"
          + " not " + type.getName());
    }

    @Override
    public ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator, TaskScope scope)
        throws Exception {
      return query(sql, parameters, allocator, false, scope);
    }

    @Override
    public ArrowReader queryReadOnly(String sql, List<?> parameters, BufferAllocator allocator, TaskScope scope)
        throws Exception {
      return query(sql, parameters, allocator, true, scope);
    }

    @Override
    public Connection readOnlyConnection(TaskScope scope) throws Exception {
      Connection connection = pool.getConnection();
      scope.closeAtEnd(connection);
      scope.closeAtEnd(beginReadOnly(connection)); // closed first: rolled back, then back in the pool
      return connection;
    }

    private ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator, boolean readOnly,
        TaskScope scope) throws Exception {
      List<AutoCloseable> owned = new ArrayList<>();
      AutoCloseable commit = null;
      try {
        Connection connection = pool.getConnection();
        owned.add(connection);
        if (readOnly) {
          owned.add(beginReadOnly(connection)); // a transaction too, so fetchSize's cursor works as well
        } else if (fetchSize > 0 && connection.getAutoCommit()) {
          connection.setAutoCommit(false);
          // Closed after the statement, before the connection goes back: the pool restores autocommit.
          commit = connection::commit;
          owned.add(commit);
        }
        PreparedStatement statement = connection.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY,
            ResultSet.CONCUR_READ_ONLY);
        owned.add(statement);
        if (fetchSize > 0) {
          statement.setFetchSize(fetchSize);
        }
        for (int i = 0; i < parameters.size(); i++) {
          statement.setObject(i + 1, parameters.get(i));
        }
        StatementGuard guard = StatementGuard.register(scope, canceller(connection, statement));
        ResultSet result = guard.execute(statement::executeQuery);
        owned.add(result);
        return new OwningReader(ResultSetArrowReader.of(result, allocator, batchRows), owned);
      } catch (Exception e) {
        // Everything but the commit: the pool rolls back whatever was begun.
        OwningReader.abandon(owned, e, commit);
        throw e;
      }
    }

    /**
     * What cancels the statement while it runs and while its result is fetched. pgJDBC's {@code
     * Statement.cancel()} does nothing once {@code executeQuery} has returned, though a cursor
     * ({@code fetchSize}) keeps the server working at each fetch, so PostgreSQL's connection
     * cancels whatever its backend runs; the scope never calls it once the connection is back in
     * the pool.
     */
    private static TaskScope.StopAction canceller(Connection connection, Statement statement) throws SQLException {
      if (connection.isWrapperFor(PGConnection.class)) {
        PGConnection postgres = connection.unwrap(PGConnection.class);
        return postgres::cancelQuery;
      }
      return statement::cancel;
    }

    /**
     * Makes the connection's next transaction read-only; what it returns rolls that back. The
     * pool restores autocommit and read-only when the connection comes back.
     */
    private static AutoCloseable beginReadOnly(Connection connection) throws Exception {
      connection.setAutoCommit(false);
      connection.setReadOnly(true);
      return connection::rollback;
    }

    @Override
    public void close() {
      pool.close();
    }
  }
}
