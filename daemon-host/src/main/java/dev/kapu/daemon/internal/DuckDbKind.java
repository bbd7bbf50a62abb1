package dev.kapu.daemon.internal;

import dev.kapu.daemon.ArrowTables;
import dev.kapu.daemon.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.daemon.spi.ResourceEnvironment;
import dev.kapu.daemon.spi.ResourceKind;
import dev.kapu.daemon.spi.TaskScope;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.arrow.c.ArrowArrayStream;
import org.apache.arrow.c.Data;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;

/**
 * {@code kind: duckdb}: an embedded DuckDB, in memory (no {@code path}) or in a file. Each task and
 * each query gets its own connection to the one database; results leave through DuckDB's Arrow
 * export. The daemon's Arrow tables can be queried by name. Options: {@code path}, {@code
 * readOnly}, {@code threads}, {@code memoryLimit} (DuckDB syntax, e.g. {@code 2GB}), {@code batchRows},
 * {@code streamResults}.
 */
public final class DuckDbKind implements ResourceKind {
  @Override
  public String name() {
    return "duckdb";
  }

  @Override
  public HostedResource open(ResourceSpec spec, ResourceEnvironment environment) throws Exception {
    String path = spec.option("path", "");
    Properties properties = new Properties();
    // Off by default: measured slower through kapu.query (DuckDB then produces single-threaded,
    // in step with the sender); on, a large result never sits whole in the daemon's memory.
    if (Boolean.parseBoolean(spec.option("streamResults", "false"))) {
      properties.setProperty("jdbc_stream_results", "true");
    }
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
    return new DuckDb(root, environment.tables(), Integer.parseInt(spec.option("batchRows", "65536")));
  }

  /**
   * Registers each of the daemon's tables that {@code sql} names (as a whole word) as an Arrow
   * stream on {@code connection}, for one statement to read; what it opens goes to {@code owned},
   * to be closed once the statement is done.
   */
  public static void exposeTables(String sql, DuckDBConnection connection, ArrowTables tables,
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
    private final int batchRows;

    DuckDb(DuckDBConnection root, ArrowTables tables, int batchRows) {
      this.root = root;
      this.tables = tables;
      this.batchRows = batchRows;
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
    public ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator) throws Exception {
      List<AutoCloseable> owned = new ArrayList<>();
      try {
        DuckDBConnection connection = root.duplicate();
        owned.add(connection);
        exposeTables(sql, connection, tables, allocator, owned);
        PreparedStatement statement = connection.prepareStatement(sql);
        owned.add(statement);
        for (int i = 0; i < parameters.size(); i++) {
          statement.setObject(i + 1, parameters.get(i));
        }
        DuckDBResultSet result = (DuckDBResultSet) statement.executeQuery();
        owned.add(result);
        ArrowReader reader = (ArrowReader) result.arrowExportStream(allocator, batchRows);
        return new OwningReader(reader, owned);
      } catch (Exception e) {
        OwningReader.abandon(owned, e, null);
        throw e;
      }
    }

    @Override
    public void close() throws Exception {
      root.close();
    }
  }
}
