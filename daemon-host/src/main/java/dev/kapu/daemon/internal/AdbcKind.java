package dev.kapu.daemon.internal;

import com.zaxxer.hikari.HikariDataSource;
import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.daemon.spi.ResourceEnvironment;
import dev.kapu.daemon.spi.ResourceKind;
import dev.kapu.daemon.spi.TaskScope;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.arrow.adbc.core.AdbcConnection;
import org.apache.arrow.adbc.core.AdbcDatabase;
import org.apache.arrow.adbc.core.AdbcDriver;
import org.apache.arrow.adbc.core.AdbcException;
import org.apache.arrow.adbc.core.AdbcInfoCode;
import org.apache.arrow.adbc.core.AdbcStatement;
import org.apache.arrow.adbc.driver.flightsql.FlightSqlConnectionProperties;
import org.apache.arrow.adbc.driver.flightsql.FlightSqlDriver;
import org.apache.arrow.adbc.driver.jdbc.JdbcDriver;
import org.apache.arrow.adbc.driver.jdbc.StandardJdbcQuirks;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * {@code kind: adbc}: ADBC connections, by one of two drivers ({@code driver} option):
 *
 * <ul>
 *   <li>{@code jdbc} (default): ADBC over a JDBC data source (adbc-driver-jdbc), backed by a HikariCP
 *       pool. Options are the pool's ({@code url}, {@code user}, {@code password}, {@code poolSize},
 *       {@code minIdle}, {@code driverClassName}, {@code connectionTimeoutMs}, {@code property.NAME})
 *       and {@code fetchSize} (default 10000; for PostgreSQL, queries then run in a transaction so
 *       that pgJDBC streams with a cursor). adbc-driver-jdbc's {@code AdbcDatabase} takes one JDBC
 *       connection and hands that same connection to every {@code AdbcConnection} it makes, so here
 *       every ADBC connection comes from a fresh driver database over the pool: each holds a pooled
 *       JDBC connection of its own, and closing it gives that connection back. Concurrent tasks never
 *       share a JDBC connection, and the database sees no more connections than the pool size.
 *   <li>{@code flight-sql}: the ADBC Flight SQL driver to a remote Flight SQL server. Options: {@code
 *       uri} ({@code grpc://host:port} or {@code grpc+tls://host:port}), {@code user} and {@code
 *       password}, {@code tlsSkipVerify}, and {@code header.NAME} for headers sent with every call
 *       (e.g. {@code header.authorization: "Bearer ${TOKEN}"}). Each connection is a new Flight
 *       client (a gRPC channel and a handshake). The server is asked for its vendor name at open,
 *       so an unreachable one fails then.
 * </ul>
 *
 * <p>A task gets an {@link AdbcConnection} of its own (closed when the task ends), the resource's
 * {@link AdbcDatabase} (each {@code connect()} is a new connection; closing the database is a no-op,
 * the resource owns it), or, for {@code jdbc}, the pool as a {@link DataSource}. Queries run on a
 * connection of their own and return the ADBC statement's reader, which owns statement and
 * connection. Parameters are bound as a one-row Arrow batch (long, int, short, byte, double, float,
 * boolean, String, byte[], BigDecimal, LocalDate, LocalDateTime, Instant and the java.sql dates).
 */
public final class AdbcKind implements ResourceKind {
  @Override
  public String name() {
    return "adbc";
  }

  @Override
  public HostedResource open(ResourceSpec spec, ResourceEnvironment environment) throws Exception {
    String driver = spec.option("driver", "jdbc").trim().toLowerCase(Locale.ROOT).replace('_', '-');
    switch (driver) {
      case "jdbc":
        return openJdbc(spec, environment);
      case "flight-sql":
      case "flightsql":
        return openFlightSql(spec, environment);
      default:
        throw new IllegalArgumentException("resource '" + spec.name() + "' (adbc) has driver '" + driver
            + "'; known drivers: jdbc, flight-sql");
    }
  }

  private static HostedResource openJdbc(ResourceSpec spec, ResourceEnvironment environment) throws SQLException {
    String url = spec.requireOption("url");
    int fetchSize = JdbcPools.nonNegative(spec, "fetchSize", 10_000);
    boolean postgres = JdbcPools.isPostgres(url);
    // adbc-driver-jdbc creates its own statements, so the fetch size goes in as a driver default.
    Map<String, String> driverProperties = postgres && fetchSize > 0
        ? Map.of("defaultRowFetchSize", Integer.toString(fetchSize)) : Map.of();
    HikariDataSource pool = JdbcPools.open(spec, driverProperties);
    Map<String, Object> parameters = new HashMap<>();
    parameters.put(JdbcDriver.PARAM_DATASOURCE, pool);
    if (postgres) {
      parameters.put(JdbcDriver.PARAM_JDBC_QUIRKS, StandardJdbcQuirks.POSTGRESQL);
    }
    Map<String, Object> frozen = Map.copyOf(parameters);
    // One throwaway database per connection: it caches exactly the pooled connection it hands out.
    Connector connector = allocator -> new JdbcDriver(allocator).open(new HashMap<>(frozen)).connect();
    return new Adbc("jdbc", spec.name(), environment.allocator(), connector, pool, postgres && fetchSize > 0);
  }

  private static HostedResource openFlightSql(ResourceSpec spec, ResourceEnvironment environment) throws Exception {
    String uri = spec.option("uri", spec.option("url", null));
    if (uri == null || uri.isBlank()) {
      throw new IllegalArgumentException("resource '" + spec.name() + "' (adbc, flight-sql) needs option 'uri'"
          + " (grpc://host:port or grpc+tls://host:port)");
    }
    Map<String, Object> parameters = new HashMap<>();
    AdbcDriver.PARAM_URI.set(parameters, uri);
    String user = spec.option("user", null);
    if (user != null) {
      AdbcDriver.PARAM_USERNAME.set(parameters, user);
      AdbcDriver.PARAM_PASSWORD.set(parameters, spec.option("password", ""));
    }
    if (Boolean.parseBoolean(spec.option("tlsSkipVerify", "false"))) {
      FlightSqlConnectionProperties.TLS_SKIP_VERIFY.set(parameters, true);
    }
    for (String key : spec.options().keySet()) {
      if (key.startsWith("header.") && key.length() > "header.".length()) {
        // sent with every call, e.g. header.authorization: "Bearer ${TOKEN}"
        parameters.put(FlightSqlConnectionProperties.RPC_CALL_HEADER_PREFIX + key.substring("header.".length()),
            spec.option(key, ""));
      }
    }
    Map<String, Object> frozen = Map.copyOf(parameters);
    Connector connector = allocator -> new FlightSqlDriver(allocator).open(new HashMap<>(frozen)).connect();
    Adbc adbc = new Adbc("flight-sql", spec.name(), environment.allocator(), connector, null, false);
    try {
      adbc.probe(uri);
      return adbc;
    } catch (Exception e) {
      adbc.close();
      throw e;
    }
  }

  /** Makes a new ADBC connection whose buffers come from {@code allocator}. */
  @FunctionalInterface
  private interface Connector {
    AdbcConnection connect(BufferAllocator allocator) throws AdbcException;
  }

  private static final class Adbc implements HostedResource {
    private final String driver;
    private final BufferAllocator allocator;
    private final Connector connector;
    private final HikariDataSource pool;
    private final boolean streamInTransaction;
    private final AdbcDatabase database;

    Adbc(String driver, String name, BufferAllocator parent, Connector connector, HikariDataSource pool,
        boolean streamInTransaction) {
      this.driver = driver;
      this.allocator = parent.newChildAllocator("adbc-" + name, 0, parent.getLimit());
      this.connector = connector;
      this.pool = pool;
      this.streamInTransaction = streamInTransaction;
      this.database = new AdbcDatabase() {
        @Override
        public AdbcConnection connect() throws AdbcException {
          return connector.connect(allocator);
        }

        @Override
        public void close() {
          // the resource owns what is behind it; it closes when the daemon does
        }

        @Override
        public String toString() {
          return "kapu adbc database (" + driver + ", resource '" + name + "')";
        }
      };
    }

    @Override
    public String kind() {
      return "adbc";
    }

    @Override
    public <T> T get(Class<T> type, TaskScope scope) throws Exception {
      if (type == AdbcConnection.class) {
        AdbcConnection connection = connector.connect(allocator);
        scope.closeAtEnd(connection);
        return type.cast(connection);
      }
      if (type == AdbcDatabase.class) {
        return type.cast(database);
      }
      if (type == DataSource.class && pool != null) {
        return type.cast(pool);
      }
      throw new IllegalArgumentException("an adbc resource (" + driver + ") offers"
          + " org.apache.arrow.adbc.core.AdbcConnection (one per task, closed when the task ends),"
          + " org.apache.arrow.adbc.core.AdbcDatabase" + (pool != null ? " or javax.sql.DataSource" : "")
          + ", not " + type.getName());
    }

    @Override
    public ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator, TaskScope scope)
        throws Exception {
      List<AutoCloseable> owned = new ArrayList<>();
      AutoCloseable commit = null;
      try {
        AdbcConnection connection = connector.connect(allocator);
        owned.add(connection);
        if (streamInTransaction) {
          // pgJDBC fetches with a cursor only inside a transaction; committed when the reader closes.
          connection.setAutoCommit(false);
          commit = connection::commit;
          owned.add(commit);
        }
        VectorSchemaRoot bound = parameters.isEmpty() ? null : AdbcParameters.oneRow(parameters, allocator);
        if (bound != null) {
          owned.add(bound); // closed after the statement, which reads it while the reader runs
        }
        AdbcStatement statement = connection.createStatement();
        owned.add(statement);
        StatementGuard guard = StatementGuard.register(scope, statement::cancel);
        statement.setSqlQuery(sql);
        if (bound != null) {
          statement.prepare();
          statement.bind(bound);
        }
        ArrowReader reader = guard.execute(statement::executeQuery).getReader();
        owned.add(reader);
        // adbc-driver-jdbc's reader for bound parameters loads batches without initializing its
        // root first; asking for the root here does it, whatever order the caller uses.
        reader.getVectorSchemaRoot();
        owned.remove(owned.size() - 1);
        return new OwningReader(reader, owned);
      } catch (Exception e) {
        // Everything but the commit: closing the connection gives up what was begun.
        OwningReader.abandon(owned, e, commit);
        throw e;
      }
    }

    /** Asks the server something, so that an unreachable or refusing one fails at open. */
    void probe(String uri) throws Exception {
      AdbcConnection connection;
      try {
        connection = connector.connect(allocator); // a bad URI or failed login ends here
      } catch (Exception e) {
        throw new java.io.IOException("cannot connect to the Flight SQL server at " + uri + ": "
            + JdbcPools.causes(e), e);
      }
      try (connection; ArrowReader info = connection.getInfo(new int[] {AdbcInfoCode.VENDOR_NAME.getValue()})) {
        while (info.loadNextBatch()) {
          // drained: the answer does not matter, that there is one does
        }
      } catch (Exception e) {
        if (!answered(e)) {
          throw new java.io.IOException("cannot reach the Flight SQL server at " + uri + ": "
              + JdbcPools.causes(e), e);
        }
      }
    }

    /** Whether the error came from a server that answered (e.g. it does not implement GetSqlInfo). */
    private static boolean answered(Throwable e) {
      boolean answered = false;
      for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
        if (t instanceof FlightRuntimeException) {
          switch (((FlightRuntimeException) t).status().code()) {
            case UNAVAILABLE:
            case UNAUTHENTICATED:
            case UNAUTHORIZED:
            case TIMED_OUT:
            case CANCELLED:
              return false;
            default:
              return true;
          }
        }
        if (t instanceof AdbcException) {
          switch (((AdbcException) t).getStatus()) {
            case IO:
            case UNAUTHENTICATED:
            case UNAUTHORIZED:
            case TIMEOUT:
            case CANCELLED:
              return false;
            default:
              answered = true; // the driver decoded an answer; a Flight status further down may say more
              break;
          }
        }
      }
      return answered;
    }

    @Override
    public void close() {
      if (pool != null) {
        pool.close();
      }
      allocator.close();
    }
  }
}
