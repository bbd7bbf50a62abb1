package dev.kapu.daemon;

import dev.kapu.flight.sql.SqlSchemas;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Savepoint;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import dev.kapu.daemon.internal.ColumnMetadata;
import dev.kapu.daemon.internal.ResultSetArrowReader;
import dev.kapu.daemon.internal.DuckDbKind;
import dev.kapu.daemon.spi.ReadOnlyException;
import org.apache.arrow.util.AutoCloseables;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBResultSet;
import org.duckdb.DuckDBResultSetMetaData;
import org.duckdb.StatementReturnType;

/**
 * Prepares SQL on a hosted resource that offers a {@link Connection} (duckdb, jdbc) without
 * running it for real, for Flight SQL's prepared statements: whether it returns rows, the Arrow
 * schema of those rows (as a query would stream them: the statement runs wrapped in {@code LIMIT
 * 0}, parameters null) and the types of its parameters, each field carrying what the database
 * declared about it ({@link ColumnMetadata}). A syntax error is the task's error, with the
 * database's message.
 *
 * @param resource the hosted resource
 * @param sql the statement
 * @param readOnly the caller may only read: everything runs on the resource's read-only connection
 *     ({@link dev.kapu.daemon.spi.HostedResource#readOnlyConnection}), which may refuse the
 *     statement with a {@link dev.kapu.daemon.spi.ReadOnlyException}
 */
public record DescribeTask(String resource, String sql, boolean readOnly) implements Task<DescribeTask.Description> {

  /**
   * The answer, schemas as Flight SQL's IPC bytes.
   *
   * @param result the result's schema, or null for a statement that returns no rows
   * @param parameters one field per parameter marker
   */
  public record Description(byte[] result, byte[] parameters) implements Serializable {}

  @Override
  public Description run(TaskContext ctx) throws Exception {
    Connection connection = readOnly
        ? DaemonContexts.of(ctx).readOnlyConnection(resource) // exposes the daemon's tables itself
        : ctx.resource(resource, Connection.class);
    List<AutoCloseable> exposed = new ArrayList<>();
    try {
      if (connection instanceof DuckDBConnection duck) {
        DuckDbKind.exposeTables(sql, duck, ctx.tables(), ctx.allocator(), exposed); // the daemon's Arrow tables
      }
      return describe(connection, resource, sql, readOnly, false, ctx);
    } catch (Exception e) {
      if (readOnly) {
        ReadOnlyException.throwIfDatabaseRefusal(e);
      }
      throw DaemonContexts.statementFailed(resource, e);
    } finally {
      AutoCloseables.close(exposed);
    }
  }

  /**
   * Describes {@code sql} on a transaction's connection ({@link TransactionTasks.Describe}): what it
   * tries is undone to a savepoint, and where the database has none (DuckDB) it tries nothing that
   * could fail, since a failed statement aborts the transaction the client holds.
   */
  static Description describeHeld(Connection connection, String resource, String sql, boolean readOnly,
      TaskContext ctx) throws Exception {
    return describe(connection, resource, sql, readOnly, true, ctx);
  }

  private static Description describe(Connection connection, String resource, String sql, boolean readOnly,
      boolean held, TaskContext ctx) throws Exception {
    boolean rows;
    List<Field> parameters = new ArrayList<>();
    ColumnMetadata resultColumns;
    ColumnMetadata parameterColumns;
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      ResultSetMetaData meta = statement.getMetaData();
      resultColumns = ColumnMetadata.ofResult(meta, resource);
      if (meta instanceof DuckDBResultSetMetaData duck) {
        rows = duck.getReturnType() == StatementReturnType.QUERY_RESULT;
      } else {
        rows = meta != null && meta.getColumnCount() > 0;
      }
      ParameterMetaData pm = statement.getParameterMetaData();
      parameterColumns = ColumnMetadata.ofParameters(pm);
      for (int i = 1; i <= pm.getParameterCount(); i++) {
        int type;
        try {
          type = pm.getParameterType(i);
        } catch (Exception e) {
          type = Types.VARCHAR;
        }
        parameters.add(Field.nullable("p" + i, arrowType(type)));
      }
    }
    byte[] parameterSchema = SqlSchemas.toBytes(annotated(new Schema(parameters), parameterColumns));
    if (!rows) {
      return new Description(null, parameterSchema);
    }
    String body = sql.strip();
    while (body.endsWith(";")) {
      body = body.substring(0, body.length() - 1).strip();
    }
    String wrapped = "SELECT * FROM (" + body + ") AS kapu_describe LIMIT 0";
    if (held) {
      return new Description(SqlSchemas.toBytes(annotated(heldSchema(connection, sql, wrapped, parameters.size(), ctx),
          resultColumns)), parameterSchema);
    }
    Schema schema;
    try {
      schema = schema(connection, wrapped, parameters.size(), ctx);
    } catch (Exception notWrappable) {
      // SHOW, DESCRIBE, PRAGMA, INSERT ... RETURNING: run it as it is and keep only the schema, in a
      // transaction rolled back at once, so that describing a statement changes nothing (it runs
      // for real when the client executes it).
      if (readOnly) {
        connection.rollback(); // the failure aborted the read-only transaction: begin another
        schema = schema(connection, sql, parameters.size(), ctx);
      } else {
        schema = rolledBack(connection, () -> schema(connection, sql, parameters.size(), ctx));
      }
    }
    return new Description(SqlSchemas.toBytes(annotated(schema, resultColumns)), parameterSchema);
  }

  /** {@code schema} carrying what the database declared about its columns (Flight SQL's column metadata). */
  private static Schema annotated(Schema schema, ColumnMetadata columns) {
    return columns == null ? schema : columns.annotate(schema);
  }

  /** The result schema of {@code sql} on a transaction's connection; see {@link #describeHeld}. */
  private static Schema heldSchema(Connection connection, String sql, String wrapped, int parameters, TaskContext ctx)
      throws Exception {
    if (connection.getMetaData().supportsSavepoints()) {
      Savepoint mark = connection.setSavepoint();
      try {
        try {
          return schema(connection, wrapped, parameters, ctx);
        } catch (Exception notWrappable) {
          connection.rollback(mark); // the failure aborted the transaction back to here
          return schema(connection, sql, parameters, ctx); // runs it, undone below
        }
      } finally {
        connection.rollback(mark);
        connection.releaseSavepoint(mark);
      }
    }
    // DuckDB: a statement that fails aborts the transaction, except on a parser error
    if (DuckDbKind.isOneSelect(connection, sql)) {
      return schema(connection, wrapped, parameters, ctx);
    }
    // INSERT ... RETURNING, PRAGMA, EXPLAIN, CALL: running it would do it twice, so the types
    // come from the prepared statement (arrow-jdbc's mapping of them, which its simple columns share)
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      return ResultSetArrowReader.schemaOf(statement.getMetaData(), ctx.allocator());
    }
  }

  private static Schema rolledBack(Connection connection, Callable<Schema> describe) throws Exception {
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(false);
    try {
      return describe.call();
    } finally {
      connection.rollback();
      connection.setAutoCommit(autoCommit);
    }
  }

  /** The Arrow schema {@code sql} streams with null parameters, as the resource's query would. */
  static Schema schema(Connection connection, String sql, int parameters, TaskContext ctx) throws Exception {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 1; i <= parameters; i++) {
        statement.setObject(i, null);
      }
      try (ResultSet result = statement.executeQuery()) {
        if (result instanceof DuckDBResultSet duck) {
          try (ArrowReader reader = DuckDbKind.export(duck, ctx.allocator(), 1)) {
            return reader.getVectorSchemaRoot().getSchema();
          }
        }
        return ResultSetArrowReader.schemaOf(result.getMetaData(), ctx.allocator());
      }
    }
  }

  /** The Arrow type a client should bind a JDBC-typed parameter as. */
  static ArrowType arrowType(int jdbcType) {
    return switch (jdbcType) {
      case Types.BOOLEAN, Types.BIT -> ArrowType.Bool.INSTANCE;
      case Types.TINYINT -> new ArrowType.Int(8, true);
      case Types.SMALLINT -> new ArrowType.Int(16, true);
      case Types.INTEGER -> new ArrowType.Int(32, true);
      case Types.BIGINT -> new ArrowType.Int(64, true);
      case Types.REAL, Types.FLOAT -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case Types.DOUBLE, Types.NUMERIC, Types.DECIMAL -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case Types.DATE -> new ArrowType.Date(DateUnit.DAY);
      case Types.TIMESTAMP -> new ArrowType.Timestamp(TimeUnit.MICROSECOND, null);
      case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> ArrowType.Binary.INSTANCE;
      default -> ArrowType.Utf8.INSTANCE;
    };
  }
}
