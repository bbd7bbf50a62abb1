package dev.kapu.daemon.internal;

import java.sql.DatabaseMetaData;
import java.sql.ParameterMetaData;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.adapter.jdbc.JdbcFieldInfo;
import org.apache.arrow.flight.sql.FlightSqlColumnMetadata;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.postgresql.PGResultSetMetaData;

/**
 * What a database says about each column of a result, a statement's parameters or a table, as
 * Flight SQL carries it on an Arrow field: the field's nullability, and its metadata ({@link
 * FlightSqlColumnMetadata}: catalog, schema and table, the database's type name, precision and
 * scale, auto-increment, case-sensitivity, read-only, searchable, remarks). The Arrow types stay
 * what the data is streamed as; only what the database declares is added. Read while the
 * statement is prepared, applied once its Arrow schema is known.
 *
 * @param columns one per field, in order
 */
public record ColumnMetadata(List<Column> columns) {

  /**
   * One column.
   *
   * @param nullable {@link ResultSetMetaData#columnNoNulls}, {@code columnNullable} or {@code
   *     columnNullableUnknown} (the same values as for parameters and in {@code getColumns})
   * @param metadata Flight SQL's column metadata
   * @param declaredType a table column's Arrow type as its JDBC type maps to one; null for results and parameters
   */
  public record Column(String name, int nullable, Map<String, String> metadata, ArrowType declaredType) {}

  /**
   * The columns of a prepared statement's result; null if the driver describes none (or fails
   * to: describing the statement does not depend on it).
   *
   * @param catalog the Kapu catalog, named for columns that come from a table
   */
  public static ColumnMetadata ofResult(ResultSetMetaData meta, String catalog) {
    try {
      return meta == null ? null : result(meta, catalog);
    } catch (SQLException | RuntimeException e) {
      return null;
    }
  }

  private static ColumnMetadata result(ResultSetMetaData meta, String catalog) throws SQLException {
    PGResultSetMetaData postgres = meta.isWrapperFor(PGResultSetMetaData.class) ? meta.unwrap(PGResultSetMetaData.class) : null;
    List<Column> columns = new ArrayList<>();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      FlightSqlColumnMetadata.Builder b = new FlightSqlColumnMetadata.Builder()
          .typeName(nonNull(meta.getColumnTypeName(i)))
          .precision(meta.getPrecision(i))
          .scale(meta.getScale(i))
          .isAutoIncrement(meta.isAutoIncrement(i))
          .isCaseSensitive(meta.isCaseSensitive(i))
          .isReadOnly(meta.isReadOnly(i))
          .isSearchable(meta.isSearchable(i));
      // PostgreSQL's driver leaves getSchemaName empty by design and names the base column's table apart
      String schema = postgres != null ? postgres.getBaseSchemaName(i) : meta.getSchemaName(i);
      String table = postgres != null ? postgres.getBaseTableName(i) : meta.getTableName(i);
      if (table != null && !table.isEmpty()) {
        b.catalogName(catalog).tableName(table);
        if (schema != null && !schema.isEmpty()) {
          b.schemaName(schema);
        }
      }
      columns.add(new Column(meta.getColumnLabel(i), meta.isNullable(i), b.build().getMetadataMap(), null));
    }
    return new ColumnMetadata(columns);
  }

  /** The parameters of a prepared statement; null if the driver cannot describe them (as for results). */
  public static ColumnMetadata ofParameters(ParameterMetaData meta) {
    try {
      List<Column> columns = new ArrayList<>();
      for (int i = 1; i <= meta.getParameterCount(); i++) {
        FlightSqlColumnMetadata.Builder b = new FlightSqlColumnMetadata.Builder()
            .typeName(nonNull(meta.getParameterTypeName(i)))
            .precision(meta.getPrecision(i))
            .scale(meta.getScale(i));
        columns.add(new Column("p" + i, meta.isNullable(i), b.build().getMetadataMap(), null));
      }
      return new ColumnMetadata(columns);
    } catch (SQLException | RuntimeException e) {
      return null;
    }
  }

  /**
   * A table's columns from the current row on of a {@code DatabaseMetaData.getColumns} result
   * that covers that table; rows of other tables (the patterns' other matches) are skipped.
   * Whether a column auto-increments is left out: the ADBC Java driver (0.20.0) writes that into
   * {@code getObjects} under a name its own schema lacks ({@code xdbc_auto_increment}), and then
   * fails to read what it wrote.
   *
   * @param catalog the Kapu catalog
   */
  public static ColumnMetadata ofTable(ResultSet getColumns, String catalog, String schema, String table)
      throws SQLException {
    List<Column> columns = new ArrayList<>();
    while (getColumns.next()) {
      if (!schema.equals(getColumns.getString("TABLE_SCHEM")) || !table.equals(getColumns.getString("TABLE_NAME"))) {
        continue;
      }
      FlightSqlColumnMetadata.Builder b = new FlightSqlColumnMetadata.Builder()
          .catalogName(catalog).schemaName(schema).tableName(table)
          .typeName(nonNull(getColumns.getString("TYPE_NAME")));
      int size = getColumns.getInt("COLUMN_SIZE");
      if (!getColumns.wasNull()) {
        b.precision(size);
      }
      int digits = getColumns.getInt("DECIMAL_DIGITS");
      if (!getColumns.wasNull()) {
        b.scale(digits);
      }
      String remarks = getColumns.getString("REMARKS");
      if (remarks != null && !remarks.isEmpty()) {
        b.remarks(remarks);
      }
      columns.add(new Column(getColumns.getString("COLUMN_NAME"), getColumns.getInt("NULLABLE"),
          b.build().getMetadataMap(), ResultSetArrowReader.arrowType(new JdbcFieldInfo(getColumns))));
    }
    return new ColumnMetadata(columns);
  }

  /**
   * {@code schema} with each field that a column describes (by position for results and
   * parameters, whose fields are named as the columns) carrying that column's nullability and
   * metadata; unchanged if the counts differ (a description of something else).
   */
  public Schema annotate(Schema schema) {
    List<Field> fields = schema.getFields();
    if (fields.size() != columns.size()) {
      return schema;
    }
    List<Field> annotated = new ArrayList<>();
    for (int i = 0; i < fields.size(); i++) {
      annotated.add(annotate(fields.get(i), columns.get(i)));
    }
    return new Schema(annotated, schema.getCustomMetadata());
  }

  /**
   * A table's schema from its columns alone, each typed as its JDBC type maps to Arrow (as a
   * query through arrow-jdbc streams it), for a database whose tables need not be read to know it.
   */
  public Schema declaredSchema() {
    List<Field> fields = new ArrayList<>();
    for (Column c : columns) {
      fields.add(annotate(new Field(c.name(), FieldType.nullable(c.declaredType()), null), c));
    }
    return new Schema(fields);
  }

  /** {@code schema} with each field that a column of the same name describes annotated (table columns). */
  public Schema annotateByName(Schema schema) {
    Map<String, Column> byName = new HashMap<>();
    columns.forEach(c -> byName.putIfAbsent(c.name(), c));
    List<Field> annotated = new ArrayList<>();
    for (Field field : schema.getFields()) {
      Column column = byName.get(field.getName());
      annotated.add(column == null ? field : annotate(field, column));
    }
    return new Schema(annotated, schema.getCustomMetadata());
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  private static Field annotate(Field field, Column column) {
    Map<String, String> metadata = new HashMap<>(field.getMetadata());
    metadata.putAll(column.metadata());
    boolean nullable = column.nullable() != DatabaseMetaData.columnNoNulls;
    FieldType type = new FieldType(nullable, field.getType(), field.getDictionary(), metadata);
    return new Field(field.getName(), type, field.getChildren());
  }
}
