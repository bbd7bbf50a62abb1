package dev.kapu.daemon.internal;

import dev.kapu.api.ArrowTables;
import dev.kapu.api.ReadOnlyException;
import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.daemon.spi.ResourceEnvironment;
import dev.kapu.daemon.spi.ResourceKind;
import dev.kapu.daemon.spi.TaskScope;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;
import org.duckdb.DuckDBResultSetMetaData;
import org.duckdb.StatementReturnType;

/**
 * {@code kind: duckdb}: an embedded DuckDB, in memory (no {@code path}) or in a file. Each task and
 * each query gets its own connection to the one database; results leave through DuckDB's Arrow
 * export. The daemon's Arrow tables can be queried by name. Options: {@code path}, {@code
 * readOnly}, {@code threads}, {@code memoryLimit} (DuckDB syntax, e.g. {@code 2GB}), {@code batchRows},
 * {@code streamResults} (default {@code true}: Kapu's queries produce as their result is read;
 * connections handed to tasks materialize results, DuckDB's JDBC default, so a task may run
 * other statements while it iterates a result).
 *
 * <p>For a caller who may only read, a statement must be one SELECT as DuckDB's own parser sees
 * it ({@code json_serialize_sql}: SELECT, FROM, VALUES, WITH, SHOW, DESCRIBE, SUMMARIZE), and it runs
 * in a {@code READ ONLY} transaction, rolled back at the end. The first rule refuses what a
 * read-only transaction lets through (COPY ... TO, ATTACH, SET, EXPLAIN ANALYZE, and the statements
 * before the last of a multi-statement string, which the JDBC driver runs while preparing); the
 * transaction refuses writes hidden in a SELECT ({@code nextval}, a data-changing CTE).
 */
public final class DuckDbKind implements ResourceKind {
  @Override
  public String name() {
    return "duckdb";
  }

  @Override
  public boolean sqlCatalog() {
    return true;
  }

  @Override
  public TableRole tableRole() {
    return TableRole.QUERIES;
  }

  @Override
  public String reopenedNote(ResourceSpec spec) {
    String path = spec.option("path", "");
    return path.isEmpty() || path.equals(":memory:")
        ? "the in-memory database was lost and is being restarted empty"
        : "the database is being reopened from its file with what was committed (this statement's"
            + " changes were not)";
  }

  @Override
  public HostedResource open(ResourceSpec spec, ResourceEnvironment environment) throws Exception {
    String path = spec.option("path", "");
    Properties properties = new Properties();
    if (Boolean.parseBoolean(spec.option("readOnly", "false"))) {
      properties.setProperty("duckdb.read_only", "true");
    }
    DuckDBConnection root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + path, properties);
    try (Statement s = root.createStatement()) {
      String threads = spec.option("threads", null);
      if (threads != null) {
        s.execute("SET threads = " + Integer.parseInt(threads));
      }
      String memory = spec.option("memoryLimit", null);
      if (memory != null) {
        s.execute("SET memory_limit = '" + memory.replace("'", "") + "'");
      }
    } catch (Exception e) {
      root.close();
      throw e;
    }
    return new DuckDb(root, environment.tables(), environment.allocator(),
        Integer.parseInt(spec.option("batchRows", "65536")),
        Boolean.parseBoolean(spec.option("streamResults", "true")));
  }

  /**
   * DuckDB's Arrow export of {@code result}, its schema imported at once. Arrow Java imports a
   * schema nested at most 64 levels deep (DuckDB allows about 1,000); a deeper result is refused
   * here with a message that says so (SQLSTATE 0A000, not supported), not with Arrow's internal
   * check somewhere down the stream.
   */
  private static ArrowReader export(DuckDBResultSet result, BufferAllocator allocator, long batchRows)
      throws SQLException {
    ArrowReader reader = (ArrowReader) result.arrowExportStream(allocator, batchRows);
    try {
      reader.getVectorSchemaRoot();
      return reader;
    } catch (IOException | RuntimeException e) {
      try {
        reader.close();
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      if (String.valueOf(e.getMessage()).contains("Recursion level in ArrowSchema")) {
        throw new SQLFeatureNotSupportedException("the result's types nest deeper than Arrow's C Data"
            + " interface imports (64 levels), so it cannot travel as Arrow; return less deeply nested"
            + " values, for example as JSON (to_json)", "0A000", e);
      }
      throw new SQLException("reading the schema of DuckDB's Arrow export failed: " + e.getMessage(), e);
    }
  }

  /**
   * Registers each of the daemon's tables that {@code sql} names (as a whole word) as an Arrow
   * stream on {@code connection}, for one statement to read; what it opens goes to {@code owned},
   * to be closed once the statement is done.
   */
  private static void registerTables(String sql, DuckDBConnection connection, ArrowTables tables,
      BufferAllocator allocator, List<AutoCloseable> owned) {
    String lower = sql.toLowerCase(Locale.ROOT);
    for (String name : tables.names()) {
      if (Pattern.compile("\\b" + Pattern.quote(name.toLowerCase(Locale.ROOT)) + "\\b").matcher(lower).find()) {
        ArrowArrayStream stream = ArrowArrayStream.allocateNew(allocator);
        owned.add(stream);
        Data.exportArrayStream(allocator, tables.get(name), stream);
        connection.registerArrowStream(name, stream);
      }
    }
  }

  private static final class DuckDb implements HostedResource {
    private final DuckDBConnection root;
    private final ArrowTables tables;
    /** For the C stream structs of tables exposed to a read-only connection's statement. */
    private final BufferAllocator allocator;
    private final int batchRows;
    private final boolean streamResults;
    private final DuckDbIngest ingest;

    DuckDb(DuckDBConnection root, ArrowTables tables, BufferAllocator allocator, int batchRows,
        boolean streamResults) {
      this.root = root;
      this.tables = tables;
      this.allocator = allocator;
      this.batchRows = batchRows;
      this.streamResults = streamResults;
      this.ingest = new DuckDbIngest(allocator);
    }

    @Override
    public String kind() {
      return "duckdb";
    }

    @Override
    public <T> T get(Class<T> type, TaskScope scope) throws Exception {
      if (!type.isAssignableFrom(DuckDBConnection.class)) {
        throw new IllegalArgumentException("a duckdb resource offers a java.sql.Connection"
            + " (org.duckdb.DuckDBConnection), not a " + type.getName());
      }
      DuckDBConnection connection = root.duplicate();
      scope.closeAtEnd(connection);
      return type.cast(connection);
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

    private ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator, boolean readOnly,
        TaskScope scope) throws Exception {
      // A stop cancels the statement under way (DuckDB's interrupt), which fails like a lost
      // stream: that must not be run again.
      AtomicBoolean stopped = new AtomicBoolean();
      if (!streamResults) {
        return query(sql, parameters, allocator, readOnly, false, scope, stopped);
      }
      try {
        return query(sql, parameters, allocator, readOnly, true, scope, stopped);
      } catch (SQLException e) {
        if (!LOST_STREAMING_ERROR.equals(e.getMessage()) || stopped.get()) {
          throw e;
        }
        // DuckDB's JDBC driver reports a streamed statement that fails before its first row with
        // this message only; run it again, materialized, so the caller gets DuckDB's own error
        return query(sql, parameters, allocator, readOnly, false, scope, stopped);
      }
    }

    /**
     * Runs {@code sql} on a connection of its own, which the returned reader owns. Streamed,
     * DuckDB produces batches as they are read (the daemon reads ahead of its sender): a large
     * result never sits whole in the daemon's memory, a cancel stops DuckDB's work, and {@code
     * kapu bench query} measured it faster than materializing first (0.66 s vs 0.77 s).
     */
    private ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator, boolean readOnly,
        boolean stream, TaskScope scope, AtomicBoolean stopped) throws Exception {
      List<AutoCloseable> owned = new ArrayList<>();
      try {
        DuckDBConnection connection = root.duplicate();
        owned.add(connection);
        if (stream) {
          execute(connection, "SET SESSION jdbc_stream_results = true");
        }
        if (readOnly) {
          requireOneSelect(connection, sql);
        }
        registerTables(sql, connection, tables, allocator, owned); // views of their own: before the read-only transaction
        if (readOnly) {
          owned.add(beginReadOnly(connection));
        }
        PreparedStatement statement = connection.prepareStatement(sql);
        owned.add(statement);
        for (int i = 0; i < parameters.size(); i++) {
          statement.setObject(i + 1, parameters.get(i));
        }
        StatementGuard guard = StatementGuard.register(scope, () -> {
          stopped.set(true);
          statement.cancel(); // interrupts the connection's query, while it runs and while it streams
        });
        DuckDBResultSet result = guard.execute(() -> (DuckDBResultSet) statement.executeQuery());
        owned.add(result);
        return new OwningReader(export(result, allocator, batchRows), owned);
      } catch (Exception e) {
        OwningReader.abandon(owned, e, null);
        throw e;
      }
    }

    /**
     * The read-only transaction begins at the first statement prepared, once the daemon's tables
     * that statement names are exposed: exposing one creates a view, which the transaction would
     * refuse.
     */
    @Override
    public Connection readOnlyConnection(TaskScope scope) throws Exception {
      DuckDBConnection connection = root.duplicate();
      scope.closeAtEnd(connection);
      boolean[] begun = {false};
      return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
          (proxy, method, args) -> {
            String name = method.getName();
            if (name.equals("prepareStatement")) {
              String sql = (String) args[0];
              requireOneSelect(connection, sql);
              if (!begun[0]) {
                List<AutoCloseable> exposed = new ArrayList<>();
                registerTables(sql, connection, tables, allocator, exposed);
                exposed.forEach(scope::closeAtEnd);
                scope.closeAtEnd(beginReadOnly(connection)); // closed first: rolled back, then the rest
                begun[0] = true;
              }
            } else if (name.equals("rollback") && (args == null || args.length == 0)) {
              if (begun[0]) {
                // after an error DuckDB refuses everything until a rollback: begin another read-only transaction
                execute(connection, "ROLLBACK");
                execute(connection, BEGIN_READ_ONLY);
              }
              return null;
            } else if (!READ_ONLY_CONNECTION_METHODS.contains(name)) {
              throw new ReadOnlyException("a read-only DuckDB connection only prepares statements, it does not " + name);
            }
            try {
              return method.invoke(connection, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
    }

    /** A read-only connection ({@link #readOnlyConnection}) exposes the tables itself. */
    @Override
    public AutoCloseable exposeTables(Connection connection, String sql) throws Exception {
      List<AutoCloseable> exposed = new ArrayList<>();
      if (connection instanceof DuckDBConnection duck) {
        registerTables(sql, duck, tables, allocator, exposed);
      }
      return () -> AutoCloseables.close(exposed);
    }

    @Override
    public boolean returnsRows(PreparedStatement statement) throws SQLException {
      return statement.getMetaData() instanceof DuckDBResultSetMetaData meta
          ? meta.getReturnType() == StatementReturnType.QUERY_RESULT
          : HostedResource.super.returnsRows(statement);
    }

    /** Asking DuckDB's parser fails on nothing, so it leaves a transaction as it was. */
    @Override
    public boolean isOneSelect(Connection connection, String sql) throws SQLException {
      return DuckDbKind.isOneSelect(connection, sql);
    }

    @Override
    public ArrowReader arrowResult(ResultSet result, BufferAllocator allocator, long batchRows) throws SQLException {
      return result instanceof DuckDBResultSet duck ? export(duck, allocator, batchRows) : null;
    }

    @Override
    public void ingest(CommandStatementIngest command, ArrowReader batches, Connection transaction) throws Exception {
      if (transaction instanceof DuckDBConnection joined) {
        ingest.ingest(joined, command, batches, false);
        return;
      } else if (transaction != null) { // a read-only transaction's connection
        throw new IllegalArgumentException("bulk ingest joins a read-write transaction");
      }
      try (DuckDBConnection connection = root.duplicate()) {
        connection.setAutoCommit(false);
        ingest.ingest(connection, command, batches, true);
      }
    }

    @Override
    public boolean tableSchemasByQuery() {
      return true; // DuckDB streams its own Arrow types (ENUMs as dictionaries, unions), which only a query shows
    }

    @Override
    public Map<Integer, Object> sqlInfo(Connection connection) throws SQLException {
      return DuckDbSqlInfo.read(connection);
    }

    @Override
    public void close() throws Exception {
      root.close();
    }
  }

  private static final String BEGIN_READ_ONLY = "BEGIN TRANSACTION READ ONLY";

  private static final String LOST_STREAMING_ERROR = "Invalid Input Error: Invalid result set";

  /** What a read-only connection does besides preparing: nothing that ends its transaction or bypasses checks. */
  private static final Set<String> READ_ONLY_CONNECTION_METHODS = Set.of(
      "prepareStatement", "close", "isClosed", "getAutoCommit", "isReadOnly", "getMetaData", "getWarnings",
      "clearWarnings", "getTransactionIsolation", "setTransactionIsolation", "equals", "hashCode", "toString");

  /** Parses {@code sql} with DuckDB's parser and refuses it unless it is one SELECT (see the class comment). */
  static void requireOneSelect(Connection connection, String sql) throws SQLException {
    Parsed parsed = parse(connection, sql);
    if (parsed.error() && "parser".equals(parsed.errorType())) {
      throw new SQLException("Parser Error: " + parsed.errorMessage()); // the caller's typo, not a refusal
    }
    if (parsed.error() || parsed.statements() != 1) {
      throw new ReadOnlyException("for a caller who may only read, DuckDB runs one SELECT statement"
          + " (SELECT, FROM, VALUES, WITH, SHOW, DESCRIBE, SUMMARIZE), and this "
          + (parsed.error() ? "is another kind of statement" : "is " + parsed.statements() + " statements"));
    }
  }

  /**
   * Whether DuckDB's parser reads {@code sql} as one SELECT. Asking fails on nothing, so it leaves
   * a transaction as it was (a failed statement would abort it).
   */
  private static boolean isOneSelect(Connection connection, String sql) throws SQLException {
    Parsed parsed = parse(connection, sql);
    return !parsed.error() && parsed.statements() == 1;
  }

  /** What DuckDB's parser says of a statement ({@code json_serialize_sql}, which serializes SELECTs only). */
  private record Parsed(boolean error, String errorType, String errorMessage, long statements) {}

  private static Parsed parse(Connection connection, String sql) throws SQLException {
    try (PreparedStatement parse = connection.prepareStatement("SELECT json_extract(s, '$.error')::BOOLEAN,"
        + " s->>'$.error_type', s->>'$.error_message', json_array_length(s, '$.statements')"
        + " FROM (SELECT json_serialize_sql(?::VARCHAR) AS s)")) {
      parse.setString(1, sql);
      try (ResultSet r = parse.executeQuery()) {
        r.next();
        return new Parsed(r.getBoolean(1), r.getString(2), r.getString(3), r.getLong(4));
      }
    }
  }

  /** Begins a read-only transaction; what it returns rolls it back. */
  private static AutoCloseable beginReadOnly(Connection connection) throws SQLException {
    execute(connection, BEGIN_READ_ONLY);
    return () -> execute(connection, "ROLLBACK");
  }

  private static void execute(Connection connection, String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }
}
