package dev.kapu.daemon;

import dev.kapu.api.builtin.CatalogRequest.ForeignKeys;
import dev.kapu.api.builtin.CatalogRequest;
import dev.kapu.daemon.internal.ColumnMetadata;
import dev.kapu.daemon.internal.DatabaseSqlInfo;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.flight.sql.SqlSchemas;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Answers {@link CatalogRequest}s from a connection to a SQL database (any behind a JDBC driver): schemas and tables from its {@code information_schema}, keys, columns and types
 * from its JDBC driver's {@link DatabaseMetaData}, tables' Arrow schemas as Kapu's queries stream
 * them. Only the current database (the one {@code current_database()}
 * names) is the Kapu catalog, whose name fills the catalog columns.
 *
 * <p>A name pattern (or a key's table name) is matched as written first and, when that matches
 * nothing, case-insensitively: the Flight SQL JDBC driver reports that the database stores
 * identifiers in upper case whatever the server says, so tools upper-case what a user types
 * ({@code !columns emp} in sqlline asks for {@code EMP}).
 */
final class CatalogReader {
  /** The Arrow schema of a query's result, as a query would stream it. */
  @FunctionalInterface
  interface QuerySchemas {
    Schema of(String sql) throws Exception;
  }

  private final Connection connection;
  private final String catalog;
  private final HostedResource hosted;
  private final QuerySchemas querySchemas;

  /**
   * @param connection a connection to the database, closed by its owner
   * @param catalog the Kapu catalog (hosted resource) the database is served as
   * @param hosted that resource, whose kind may know better than the JDBC driver
   */
  CatalogReader(Connection connection, String catalog, HostedResource hosted, QuerySchemas querySchemas) {
    this.connection = connection;
    this.catalog = catalog;
    this.hosted = hosted;
    this.querySchemas = querySchemas;
  }

  List<List<Object>> answer(CatalogRequest request) throws Exception {
    if (request instanceof CatalogRequest.Info) {
      return info();
    } else if (request instanceof CatalogRequest.Schemas s) {
      return schemas(s.schemaPattern());
    } else if (request instanceof CatalogRequest.Tables t) {
      return tables(t);
    } else if (request instanceof CatalogRequest.PrimaryKeys k) {
      return primaryKeys(k);
    } else if (request instanceof CatalogRequest.ForeignKeys k) {
      return foreignKeys(k);
    } else if (request instanceof CatalogRequest.TypeInfo t) {
      return typeInfo(t.dataType());
    }
    throw new IllegalArgumentException("unknown metadata request " + request);
  }

  private List<List<Object>> info() throws SQLException {
    List<List<Object>> rows = new ArrayList<>();
    Map<Integer, Object> answers = new HashMap<>(DatabaseSqlInfo.read(connection));
    answers.putAll(hosted.sqlInfo(connection));
    for (Map.Entry<Integer, Object> e : answers.entrySet()) {
      rows.add(List.of(e.getKey(), e.getValue()));
    }
    return rows;
  }

  private List<List<Object>> schemas(String pattern) throws SQLException {
    List<List<Object>> rows = new ArrayList<>();
    for (List<String> r : matching("SELECT DISTINCT schema_name FROM information_schema.schemata"
        + " WHERE catalog_name = current_database() AND %s ORDER BY 1", List.of("schema_name"), nonNull(pattern))) {
      rows.add(Arrays.asList(catalog, r.get(0)));
    }
    return rows;
  }

  private List<List<Object>> tables(CatalogRequest.Tables request) throws Exception {
    String types = request.types().isEmpty() ? ""
        : " AND table_type IN (" + String.join(", ", Collections.nCopies(request.types().size(), "?")) + ")";
    List<String> parameters = new ArrayList<>(List.of(nonNull(request.schemaPattern()), nonNull(request.tablePattern())));
    request.types().forEach(t -> parameters.add("TABLE".equals(t) ? "BASE TABLE" : t));
    List<List<Object>> rows = new ArrayList<>();
    for (List<String> r : matching("SELECT table_schema, table_name, table_type FROM information_schema.tables"
        + " WHERE table_catalog = current_database() AND %s" + types + " ORDER BY 1, 2",
        List.of("table_schema", "table_name"), parameters.toArray(String[]::new))) {
      String type = "BASE TABLE".equals(r.get(2)) ? "TABLE" : r.get(2);
      List<Object> row = new ArrayList<>(Arrays.asList(catalog, r.get(0), r.get(1), type));
      if (request.withSchemas()) {
        row.add(SqlSchemas.toBytes(tableSchema(r.get(0), r.get(1))));
      }
      rows.add(row);
    }
    return rows;
  }

  /**
   * A table's columns as a query streams them, with what the database declares about each. A kind
   * that streams its own Arrow types (DuckDB) shows them only to a query; through arrow-jdbc a
   * column's JDBC type decides, so other databases' tables are not read (a user may see tables
   * they may not read). See {@link HostedResource#tableSchemasByQuery}.
   */
  private Schema tableSchema(String schema, String table) throws Exception {
    DatabaseMetaData meta = connection.getMetaData();
    ColumnMetadata columns;
    try (ResultSet described = meta.getColumns(databaseName(), schema, table, "%")) {
      columns = ColumnMetadata.ofTable(described, catalog, schema, table);
    }
    if (!hosted.tableSchemasByQuery()) {
      return columns.declaredSchema();
    }
    return columns.annotateByName(querySchemas.of("SELECT * FROM " + quote(schema) + "." + quote(table) + " LIMIT 0"));
  }

  private List<List<Object>> primaryKeys(CatalogRequest.PrimaryKeys request) throws SQLException {
    DatabaseMetaData meta = connection.getMetaData();
    String database = databaseName();
    List<List<Object>> rows = new ArrayList<>();
    for (List<String> t : resolve(request.schema(), request.table())) {
      try (ResultSet r = meta.getPrimaryKeys(database, t.get(0), t.get(1))) {
        while (r.next()) {
          rows.add(Arrays.asList(catalog, r.getString("TABLE_SCHEM"), r.getString("TABLE_NAME"),
              r.getString("COLUMN_NAME"), r.getInt("KEY_SEQ"), r.getString("PK_NAME")));
        }
      }
    }
    return rows;
  }

  private List<List<Object>> foreignKeys(ForeignKeys request) throws SQLException {
    DatabaseMetaData meta = connection.getMetaData();
    String database = databaseName();
    List<List<Object>> rows = new ArrayList<>();
    switch (request.direction()) {
      case IMPORTED -> {
        for (List<String> fk : resolve(request.fkSchema(), request.fkTable())) {
          try (ResultSet r = meta.getImportedKeys(database, fk.get(0), fk.get(1))) {
            addForeignKeys(r, rows);
          }
        }
      }
      case EXPORTED -> {
        for (List<String> pk : resolve(request.pkSchema(), request.pkTable())) {
          try (ResultSet r = meta.getExportedKeys(database, pk.get(0), pk.get(1))) {
            addForeignKeys(r, rows);
          }
        }
      }
      case CROSS -> {
        for (List<String> pk : resolve(request.pkSchema(), request.pkTable())) {
          for (List<String> fk : resolve(request.fkSchema(), request.fkTable())) {
            try (ResultSet r = meta.getCrossReference(database, pk.get(0), pk.get(1), database, fk.get(0), fk.get(1))) {
              addForeignKeys(r, rows);
            }
          }
        }
      }
    }
    return rows;
  }

  private void addForeignKeys(ResultSet r, List<List<Object>> rows) throws SQLException {
    while (r.next()) {
      rows.add(Arrays.asList(catalog, r.getString("PKTABLE_SCHEM"), r.getString("PKTABLE_NAME"),
          r.getString("PKCOLUMN_NAME"), catalog, r.getString("FKTABLE_SCHEM"), r.getString("FKTABLE_NAME"),
          r.getString("FKCOLUMN_NAME"), r.getInt("KEY_SEQ"), r.getString("FK_NAME"), r.getString("PK_NAME"),
          rule(r, "UPDATE_RULE"), rule(r, "DELETE_RULE")));
    }
  }

  /** JDBC's and Flight SQL's rules share their numbers; none declared is NO ACTION, as in SQL. */
  private static int rule(ResultSet r, String column) throws SQLException {
    int rule = r.getInt(column);
    return r.wasNull() ? DatabaseMetaData.importedKeyNoAction : rule;
  }

  private List<List<Object>> typeInfo(Integer dataType) throws SQLException {
    List<List<Object>> rows = new ArrayList<>();
    try (ResultSet r = connection.getMetaData().getTypeInfo()) {
      while (r.next()) {
        int type = r.getInt("DATA_TYPE");
        if (dataType != null && dataType != type) {
          continue;
        }
        String createParams = r.getString("CREATE_PARAMS");
        rows.add(Arrays.asList(r.getString("TYPE_NAME"), type, integer(r, "PRECISION"),
            r.getString("LITERAL_PREFIX"), r.getString("LITERAL_SUFFIX"),
            createParams == null ? null : DatabaseSqlInfo.list(createParams), (int) r.getShort("NULLABLE"),
            r.getBoolean("CASE_SENSITIVE"), (int) r.getShort("SEARCHABLE"), bool(r, "UNSIGNED_ATTRIBUTE"),
            r.getBoolean("FIXED_PREC_SCALE"), bool(r, "AUTO_INCREMENT"), r.getString("LOCAL_TYPE_NAME"),
            integer(r, "MINIMUM_SCALE"), integer(r, "MAXIMUM_SCALE"), r.getInt("SQL_DATA_TYPE"),
            integer(r, "SQL_DATETIME_SUB"), integer(r, "NUM_PREC_RADIX"), null));
      }
    }
    return rows;
  }

  private static Integer integer(ResultSet r, String column) throws SQLException {
    int value = r.getInt(column);
    return r.wasNull() ? null : value;
  }

  private static Boolean bool(ResultSet r, String column) throws SQLException {
    boolean value = r.getBoolean(column);
    return r.wasNull() ? null : value;
  }

  /** The tables a key request names, as the database spells them: {@code [schema, table]}. */
  private List<List<String>> resolve(String schema, String table) throws SQLException {
    String sql = "SELECT table_schema, table_name FROM information_schema.tables"
        + " WHERE table_catalog = current_database() AND %s ORDER BY 1, 2";
    List<String> parameters = schema == null ? List.of(table) : List.of(schema, table);
    List<String> columns = schema == null ? List.of("table_name") : List.of("table_schema", "table_name");
    List<List<String>> found = strings(String.format(sql, conditions(columns, "%s = %s", "?")), parameters);
    if (found.isEmpty() && parameters.stream().anyMatch(CatalogReader::hasCase)) {
      found = strings(String.format(sql, conditions(columns, "lower(%s) = %s", "lower(?)")), parameters);
    }
    return found;
  }

  /**
   * The rows of {@code sql} (its {@code %s} the conditions) whose {@code columns} match the
   * patterns (the first parameters, one per column) as written, else case-insensitively.
   */
  private List<List<String>> matching(String sql, List<String> columns, String... parameters) throws SQLException {
    List<String> values = List.of(parameters);
    List<List<String>> found = strings(String.format(sql, conditions(columns, "%s LIKE %s ESCAPE '\\'", "?")), values);
    if (found.isEmpty() && values.subList(0, columns.size()).stream().anyMatch(CatalogReader::hasCase)) {
      found = strings(String.format(sql, conditions(columns, "lower(%s) LIKE %s ESCAPE '\\'", "lower(?)")), values);
    }
    return found;
  }

  private static String conditions(List<String> columns, String condition, String parameter) {
    return String.join(" AND ", columns.stream().map(c -> String.format(condition, c, parameter)).toList());
  }

  /** Whether matching {@code name} case-insensitively could find more than matching it as written. */
  static boolean hasCase(String name) {
    return !name.toLowerCase(Locale.ROOT).equals(name.toUpperCase(Locale.ROOT));
  }

  private String databaseName() throws SQLException {
    return strings("SELECT current_database()", List.of()).get(0).get(0);
  }

  private List<List<String>> strings(String sql, List<String> parameters) throws SQLException {
    try (PreparedStatement s = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.size(); i++) {
        s.setString(i + 1, parameters.get(i));
      }
      List<List<String>> rows = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        int columns = r.getMetaData().getColumnCount();
        while (r.next()) {
          List<String> row = new ArrayList<>();
          for (int c = 1; c <= columns; c++) {
            row.add(r.getString(c));
          }
          rows.add(row);
        }
      }
      return rows;
    }
  }

  private static String nonNull(String pattern) {
    return pattern == null ? "%" : pattern;
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
