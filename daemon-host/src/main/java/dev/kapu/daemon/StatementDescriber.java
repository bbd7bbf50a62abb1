package dev.kapu.daemon;

import dev.kapu.api.ReadOnlyException;
import dev.kapu.api.TaskContext;
import dev.kapu.api.builtin.DescribeTask.Description;
import dev.kapu.api.builtin.DescribeTask;
import dev.kapu.daemon.internal.ColumnMetadata;
import dev.kapu.daemon.internal.ResultSetArrowReader;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.flight.Dictionaries;
import dev.kapu.flight.sql.SqlSchemas;
import java.sql.Connection;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Prepares SQL on a hosted resource that offers a {@link Connection} (duckdb, jdbc) without
 * running it for real, for Flight SQL's prepared statements: whether it returns rows, the Arrow
 * schema of those rows (as a query would stream them: the statement runs wrapped in {@code LIMIT
 * 0}) and the types to announce for its parameters ({@link ParameterTypes}), each field carrying
 * what the database declared about it ({@link ColumnMetadata}). A parameter the database cannot
 * type is tried with a value of each candidate type, in that wrapping, to find the one its
 * statement accepts. A syntax error is the task's error, with the database's message.
 * What it describes is a {@link DescribeTask}: its fields are this describer's. What only the
 * database's kind knows (whether a statement returns rows, its own Arrow types, the daemon's
 * tables in its SQL) is asked of the {@link HostedResource}.
 */
final class StatementDescriber {
  private final HostedResource hosted;
  private final String resource;
  private final String sql;
  private final boolean readOnly;
  private final List<Object> parameters;
  private final boolean decodeDictionaries;

  StatementDescriber(HostedResource hosted, String resource, String sql, boolean readOnly, List<Object> parameters,
      boolean decodeDictionaries) {
    this.hosted = hosted;
    this.resource = resource;
    this.sql = sql;
    this.readOnly = readOnly;
    this.parameters = parameters;
    this.decodeDictionaries = decodeDictionaries;
  }

  StatementDescriber(DescribeTask task, HostedResource hosted) {
    this(hosted, task.resource(), task.sql(), task.readOnly(), task.parameters(), task.decodeDictionaries());
  }

  /** Describes the statement on the resource's connection (the read-only one for a reader). */
  Description describe(TaskContext ctx) throws Exception {
    Connection connection = readOnly
        ? DaemonContexts.of(ctx).readOnlyConnection(resource) // exposes the daemon's tables itself
        : ctx.resource(resource, Connection.class);
    try (AutoCloseable exposed = hosted.exposeTables(connection, sql)) { // the daemon's Arrow tables
      return describe(connection, false, ctx);
    } catch (Exception e) {
      if (readOnly) {
        ReadOnlyException.throwIfDatabaseRefusal(e);
      }
      throw DaemonContexts.statementFailed(resource, e);
    }
  }

  /**
   * Describes the statement on a transaction's connection ({@link TransactionTasks.Describe}):
   * what it tries is undone to a savepoint, and where the database has none (DuckDB) it tries
   * nothing that could fail, since a failed statement aborts the transaction the client holds (so
   * a parameter the database cannot type is announced as text there).
   */
  Description describeHeld(Connection connection, TaskContext ctx) throws Exception {
    return describe(connection, true, ctx);
  }

  private Description describe(Connection connection, boolean held, TaskContext ctx) throws Exception {
    boolean rows;
    List<ArrowType> types = new ArrayList<>();
    List<Integer> untyped = new ArrayList<>();
    ColumnMetadata resultColumns;
    ColumnMetadata parameterColumns;
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      resultColumns = ColumnMetadata.ofResult(statement.getMetaData(), resource);
      rows = hosted.returnsRows(statement);
      ParameterMetaData pm = statement.getParameterMetaData();
      parameterColumns = ColumnMetadata.ofParameters(pm);
      for (int i = 1; i <= pm.getParameterCount(); i++) {
        types.add(announced(pm, i));
        if (types.get(i - 1) == null) {
          untyped.add(i - 1);
          types.set(i - 1, ParameterTypes.ANY);
        }
      }
    }
    if (!rows) {
      return new Description(null, parameterSchema(types, parameterColumns));
    }
    String body = sql.strip();
    while (body.endsWith(";")) {
      body = body.substring(0, body.length() - 1).strip();
    }
    String wrapped = "SELECT * FROM (" + body + ") AS kapu_describe LIMIT 0";
    List<Object> values = parameters.isEmpty() ? Arrays.asList(new Object[types.size()]) : parameters;
    Schema schema = held
        ? heldSchema(connection, wrapped, values, ctx)
        : schema(connection, wrapped, types, untyped, values, ctx);
    // after the result's: describing it gives untyped parameters the types their statement accepts
    return new Description(SqlSchemas.toBytes(annotated(schema, resultColumns)),
        parameterSchema(types, parameterColumns));
  }

  /**
   * The result's schema on a connection of the describe's own; untyped parameters are given the
   * type their statement accepts on the way (in {@code types} and {@code values}).
   */
  private Schema schema(Connection connection, String wrapped, List<ArrowType> types, List<Integer> untyped,
      List<Object> values, TaskContext ctx) throws Exception {
    try {
      if (parameters.isEmpty()) {
        for (int i : untyped) {
          ParameterTypes.Candidate accepted = accepted(connection, wrapped, values, i, ctx);
          if (accepted != null) {
            types.set(i, accepted.type());
            values.set(i, accepted.value()); // the result as a value of that type gives it
          }
        }
      }
      return schema(connection, wrapped, values, ctx);
    } catch (Exception notWrappable) {
      if (readOnly) {
        connection.rollback(); // the failure aborted the read-only transaction: begin another
      }
      // SHOW, DESCRIBE, PRAGMA, INSERT ... RETURNING: run it as it is and keep only the schema, in a
      // transaction rolled back at once, so that describing a statement changes nothing (it runs
      // for real when the client executes it).
      List<Object> asIs = parameters.isEmpty() ? Arrays.asList(new Object[types.size()]) : parameters;
      return readOnly
          ? schema(connection, sql, asIs, ctx)
          : rolledBack(connection, () -> schema(connection, sql, asIs, ctx));
    }
  }

  /** The result's schema on a transaction's connection; see {@link #describeHeld}. */
  private Schema heldSchema(Connection connection, String wrapped, List<Object> values, TaskContext ctx)
      throws Exception {
    if (connection.getMetaData().supportsSavepoints()) {
      Savepoint mark = connection.setSavepoint();
      try {
        try {
          return schema(connection, wrapped, values, ctx);
        } catch (Exception notWrappable) {
          connection.rollback(mark); // the failure aborted the transaction back to here
          return schema(connection, sql, values, ctx); // runs it, undone below
        }
      } finally {
        connection.rollback(mark);
        connection.releaseSavepoint(mark);
      }
    }
    // without savepoints (DuckDB) a statement that fails aborts the transaction
    if (hosted.isOneSelect(connection, sql)) {
      return schema(connection, wrapped, values, ctx);
    }
    // INSERT ... RETURNING, PRAGMA, EXPLAIN, CALL: running it would do it twice, so the types
    // come from the prepared statement (arrow-jdbc's mapping of them, which its simple columns share)
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      return ResultSetArrowReader.schemaOf(statement.getMetaData(), ctx.allocator());
    }
  }

  /** The type to announce for parameter {@code i}; null if the database could not type it. */
  private static ArrowType announced(ParameterMetaData pm, int i) {
    int type;
    String name;
    int precision = 0;
    int scale = 0;
    try {
      type = pm.getParameterType(i);
      name = pm.getParameterTypeName(i);
    } catch (SQLException e) {
      return null;
    }
    if (ParameterTypes.unknown(type, name)) {
      return null;
    }
    if (type == Types.DECIMAL || type == Types.NUMERIC) {
      try {
        precision = pm.getPrecision(i);
        scale = pm.getScale(i);
      } catch (SQLException e) {
        // unknown precision: announced as a double
      }
    }
    return ParameterTypes.announced(type, name, precision, scale);
  }

  /**
   * The first candidate the statement accepts for untyped parameter {@code i}, the others bound as
   * they are; null if it accepts every one (any value goes) or none.
   */
  private ParameterTypes.Candidate accepted(Connection connection, String wrapped, List<Object> values, int i,
      TaskContext ctx) throws SQLException {
    ParameterTypes.Candidate first = null;
    int accepted = 0;
    for (ParameterTypes.Candidate candidate : ParameterTypes.CANDIDATES) {
      List<Object> trial = new ArrayList<>(values);
      trial.set(i, candidate.value());
      try {
        schema(connection, wrapped, trial, ctx);
        accepted++;
        if (first == null) {
          first = candidate;
        }
      } catch (SQLException refused) {
        if (readOnly) {
          connection.rollback(); // the refusal aborted the read-only transaction: begin another
        }
      } catch (Exception e) {
        throw e instanceof SQLException s ? s : new SQLException(e.getMessage(), e);
      }
    }
    return accepted == ParameterTypes.CANDIDATES.size() ? null : first;
  }

  private static byte[] parameterSchema(List<ArrowType> types, ColumnMetadata columns) {
    List<Field> fields = new ArrayList<>();
    for (int i = 0; i < types.size(); i++) {
      fields.add(Field.nullable("p" + (i + 1), types.get(i)));
    }
    return SqlSchemas.toBytes(annotated(new Schema(fields), columns));
  }

  /** {@code schema} carrying what the database declared about its columns (Flight SQL's column metadata). */
  private static Schema annotated(Schema schema, ColumnMetadata columns) {
    return columns == null ? schema : columns.annotate(schema);
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

  /** The Arrow schema {@code sql} streams with {@code values} bound, as the resource's query would. */
  private Schema schema(Connection connection, String sql, List<Object> values, TaskContext ctx) throws Exception {
    return resultSchema(hosted, connection, sql, values, decodeDictionaries, ctx);
  }

  /**
   * The Arrow schema {@code sql} streams with {@code values} bound, as the resource's query would;
   * with {@code decodeDictionaries}, dictionary-encoded columns as the values they stand for.
   */
  static Schema resultSchema(HostedResource hosted, Connection connection, String sql, List<Object> values,
      boolean decodeDictionaries, TaskContext ctx) throws Exception {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < values.size(); i++) {
        statement.setObject(i + 1, values.get(i));
      }
      try (ResultSet result = statement.executeQuery();
          ArrowReader own = hosted.arrowResult(result, ctx.allocator(), 1)) { // the kind's own Arrow types
        if (own != null) {
          Schema schema = own.getVectorSchemaRoot().getSchema();
          return decodeDictionaries ? Dictionaries.decoded(schema, own) : schema;
        }
        return ResultSetArrowReader.schemaOf(result.getMetaData(), ctx.allocator());
      }
    }
  }
}
