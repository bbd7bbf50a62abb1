package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.adbc.core.AdbcConnection;
import org.apache.arrow.adbc.core.AdbcConnection.GetObjectsDepth;
import org.apache.arrow.adbc.core.AdbcDatabase;
import org.apache.arrow.adbc.core.AdbcDriver;
import org.apache.arrow.adbc.core.AdbcInfoCode;
import org.apache.arrow.adbc.driver.flightsql.FlightSqlDriver;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.flight.sql.FlightSqlColumnMetadata;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlInfo;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedTransaction;
import org.apache.arrow.flight.sql.util.TableRef;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What SQL tools do with {@code kapu serve} (a process of its own), on a database with a primary
 * key, a foreign key and NOT NULL columns: sqlline's connect and browse, every {@link
 * DatabaseMetaData} call DBeaver's generic JDBC plugin makes on connect and on opening a table
 * (its {@code JDBCDataSourceInfo}, {@code JDBCSQLDialect} and metadata readers), result-set
 * metadata, ADBC's {@code getInfo} and {@code getObjects}, and Flight SQL's own metadata calls.
 * A subclass serves the database (DuckDB, PostgreSQL) and says what that database answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
abstract class SqlToolsServeTest {
  ServeProcess serve;

  /** Starts the server; the database behind its default catalog is empty. */
  abstract ServeProcess startServer(Path dir) throws Exception;

  /** The catalog the server serves the database as. */
  abstract String catalog();

  /** The database's schema tables are created in. */
  abstract String schema();

  /** What the database's driver calls DECIMAL(18,3) in getColumns. */
  abstract String decimalTypeName();

  /** Whether the database tells a result column's nullability when a statement is prepared. */
  abstract boolean describesResultNullability();

  /** A connection to the database itself, not through Kapu, to ask its own driver. */
  abstract Connection databaseItself() throws SQLException;

  /** The database's own driver's default isolation level (JDBC's number). */
  int defaultIsolation() throws SQLException {
    try (Connection c = databaseItself()) {
      return c.getMetaData().getDefaultTransactionIsolation();
    }
  }

  boolean savepoints() throws SQLException {
    try (Connection c = databaseItself()) {
      return c.getMetaData().supportsSavepoints();
    }
  }

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    serve = startServer(dir);
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.executeUpdate("CREATE TABLE dept (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL)");
      s.executeUpdate("CREATE TABLE emp (id INTEGER PRIMARY KEY, dept_id INTEGER REFERENCES dept(id),"
          + " salary DECIMAL(18,3) NOT NULL, note VARCHAR(200))");
      s.executeUpdate("INSERT INTO dept VALUES (1, 'research'), (2, 'sales')");
      s.executeUpdate("INSERT INTO emp VALUES (10, 1, 1234.5, 'first'), (11, 2, 99.125, NULL)");
    }
  }

  @AfterAll
  void stop() throws Exception {
    try {
      if (serve != null) {
        serve.stop();
      }
    } finally {
      stopDatabase();
    }
  }

  /** Stops what {@link #startServer} started besides the server, once the server is gone. */
  void stopDatabase() throws Exception {}

  Connection connect() throws SQLException {
    return DriverManager.getConnection(serve.jdbcUrl());
  }

  @Test
  void sqllineConnectsBrowsesAndQueries(@TempDir Path dir) throws Exception {
    long started = System.nanoTime();
    String printed = SqllineProcess.run(dir, serve.jdbcUrl(), serve.printed.get("user"), serve.printed.get("password"),
        List.of("!tables", "!columns emp", "!primarykeys emp", "!importedkeys emp", "!dbinfo",
            "SELECT id, salary FROM emp ORDER BY id;"));
    System.out.printf("sqlline script: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    assertThat(printed).as(printed).doesNotContain("Exception").doesNotContain("Error").contains("!quit");

    assertThat(SqllineProcess.table(printed, "!tables"))
        .anySatisfy(r -> assertThat(r).containsEntry("TABLE_NAME", "emp").containsEntry("TABLE_TYPE", "TABLE"));
    // sqlline asks for "EMP" (the JDBC driver claims identifiers are stored upper case): matched case-insensitively
    List<Map<String, String>> columns = SqllineProcess.table(printed, "!columns emp");
    assertThat(columns).extracting(r -> r.get("COLUMN_NAME")).containsExactly("id", "dept_id", "salary", "note");
    assertThat(columns).filteredOn(r -> r.get("COLUMN_NAME").equals("salary")).singleElement().satisfies(r -> {
      assertThat(r).containsEntry("TYPE_NAME", decimalTypeName()).containsEntry("NULLABLE", "0");
      assertThat(r).containsEntry("COLUMN_SIZE", "18").containsEntry("DECIMAL_DIGITS", "3");
    });
    assertThat(SqllineProcess.table(printed, "!primarykeys emp")).singleElement()
        .satisfies(r -> assertThat(r).containsEntry("TABLE_NAME", "emp").containsEntry("COLUMN_NAME", "id"));
    assertThat(SqllineProcess.table(printed, "!importedkeys emp")).singleElement().satisfies(r -> assertThat(r)
        .containsEntry("PKTABLE_NAME", "dept").containsEntry("PKCOLUMN_NAME", "id")
        .containsEntry("FKCOLUMN_NAME", "dept_id"));
    assertThat(printed).containsPattern("supportsGroupBy +true").containsPattern("supportsTransactions +true")
        .containsPattern("supportsOuterJoins +true").containsPattern("getDatabaseProductName +Kapu");
    assertThat(SqllineProcess.table(printed, "SELECT id, salary FROM emp ORDER BY id;"))
        .extracting(r -> r.get("id") + ":" + r.get("salary")).containsExactly("10:1234.500", "11:99.125");
  }

  /** What DBeaver asks when it connects (JDBCDataSourceInfo, JDBCSQLDialect, the generic data source). */
  @Test
  void everythingDbeaverAsksOnConnect() throws Exception {
    try (Connection c = connect()) {
      DatabaseMetaData meta = c.getMetaData();
      meta.isReadOnly();
      assertThat(meta.getDatabaseProductName()).isEqualTo("Kapu");
      assertThat(meta.getDatabaseProductVersion()).isNotBlank();
      assertThat(meta.getDriverName()).isNotBlank();
      assertThat(meta.getDriverVersion()).isNotBlank();
      meta.getDatabaseMajorVersion();
      meta.getDatabaseMinorVersion();
      assertThat(meta.getSchemaTerm()).isNotBlank();
      assertThat(meta.getProcedureTerm()).isNotBlank();
      assertThat(meta.getCatalogTerm()).isNotBlank();
      assertThat(meta.supportsBatchUpdates()).isTrue();
      assertThat(meta.supportsTransactions()).isTrue();
      for (int level : new int[] {Connection.TRANSACTION_NONE, Connection.TRANSACTION_READ_UNCOMMITTED,
          Connection.TRANSACTION_READ_COMMITTED, Connection.TRANSACTION_REPEATABLE_READ,
          Connection.TRANSACTION_SERIALIZABLE}) {
        meta.supportsTransactionIsolationLevel(level);
      }
      assertThat(meta.supportsTransactionIsolationLevel(Connection.TRANSACTION_READ_COMMITTED)).isTrue();
      // The 18.3.0 driver hands on Flight SQL's isolation number (0-4) as if it were JDBC's (0, 1, 2, 4, 8).
      assertThat(meta.getDefaultTransactionIsolation())
          .isEqualTo(Map.of(0, 0, 1, 1, 2, 2, 4, 3, 8, 4).get(defaultIsolation()));
      assertThat(meta.supportsSavepoints()).isEqualTo(savepoints());
      assertThat(meta.getIdentifierQuoteString()).isEqualTo("\"");
      meta.getSQLStateType();
      assertThat(meta.supportsCorrelatedSubqueries()).isTrue();
      assertThat(meta.supportsSubqueriesInComparisons()).isTrue();
      assertThat(meta.supportsSubqueriesInExists()).isTrue();
      assertThat(meta.supportsSubqueriesInIns()).isTrue();
      meta.supportsSubqueriesInQuantifieds();
      meta.supportsMixedCaseIdentifiers();
      meta.supportsMixedCaseQuotedIdentifiers();
      // Avatica's fixed answer in the 18.3.0 driver, whatever GetSqlInfo says (hence the case-insensitive matching)
      assertThat(meta.storesUpperCaseIdentifiers()).isTrue();
      meta.storesLowerCaseIdentifiers();
      meta.storesUpperCaseQuotedIdentifiers();
      meta.storesLowerCaseQuotedIdentifiers();
      assertThat(meta.getSearchStringEscape()).isEqualTo("\\");
      meta.getCatalogSeparator();
      meta.supportsCatalogsInDataManipulation();
      meta.supportsCatalogsInTableDefinitions();
      meta.supportsCatalogsInProcedureCalls();
      assertThat(meta.supportsCatalogsInIndexDefinitions()).isFalse();
      assertThat(meta.supportsCatalogsInPrivilegeDefinitions()).isFalse();
      meta.supportsSchemasInDataManipulation();
      meta.supportsSchemasInTableDefinitions();
      meta.supportsSchemasInProcedureCalls();
      meta.supportsSchemasInIndexDefinitions();
      meta.supportsSchemasInPrivilegeDefinitions();
      assertThat(meta.getExtraNameCharacters()).isNotNull();
      meta.isCatalogAtStart();
      assertThat(meta.getSQLKeywords()).isNotBlank();
      assertThat(meta.getNumericFunctions()).contains("abs");
      assertThat(meta.getStringFunctions()).isNotBlank();
      assertThat(meta.getSystemFunctions()).isNotBlank();
      assertThat(meta.getTimeDateFunctions()).isNotBlank();
      assertThat(meta.supportsGroupBy()).isTrue();
      assertThat(meta.supportsUnion()).isTrue();
      assertThat(meta.supportsUnionAll()).isTrue();
      assertThat(meta.supportsOuterJoins()).isTrue();
      assertThat(meta.supportsFullOuterJoins()).isTrue();
      assertThat(meta.supportsLikeEscapeClause()).isTrue();
      assertThat(meta.supportsColumnAliasing()).isTrue();
      assertThat(meta.supportsExpressionsInOrderBy()).isTrue();
      assertThat(meta.supportsNonNullableColumns()).isTrue();
      assertThat(meta.supportsResultSetType(ResultSet.TYPE_FORWARD_ONLY)).isTrue();
      assertThat(meta.supportsResultSetType(ResultSet.TYPE_SCROLL_INSENSITIVE)).isFalse();
      assertThat(meta.supportsPositionedUpdate()).isFalse();
      assertThat(meta.supportsNamedParameters()).isFalse();
      meta.getMaxColumnNameLength();
      meta.getMaxTableNameLength();
      meta.getMaxStatementLength();
      meta.getMaxConnections();
      meta.nullPlusNonNullIsNull();
      meta.supportsConvert();
      meta.dataDefinitionCausesTransactionCommit();
      meta.supportsANSI92EntryLevelSQL();
      meta.supportsMinimumSQLGrammar();
      meta.getUserName();
      meta.getURL();
      assertThat(rows(meta.getCatalogs(), r -> r.getString("TABLE_CAT"))).contains(catalog());
      assertThat(rows(meta.getSchemas(), r -> r.getString("TABLE_SCHEM"))).contains(schema());
      assertThat(rows(meta.getSchemas(catalog(), null), r -> r.getString("TABLE_SCHEM"))).contains(schema());
      assertThat(rows(meta.getTableTypes(), r -> r.getString(1))).contains("TABLE", "VIEW");
      // The 18.3.0 driver answers getTypeInfo from Avatica's empty default: it never asks the server
      // (whose CommandGetXdbcTypeInfo answer flightSqlClientKeysTypesAndInfo checks)
      assertThat(rows(meta.getTypeInfo(), r -> r.getString("TYPE_NAME"))).isEmpty();
    }
  }

  /** What DBeaver asks when it opens a table: its columns, keys, indexes, and the tables around it. */
  @Test
  void everythingDbeaverAsksOnOpeningATable() throws Exception {
    try (Connection c = connect()) {
      DatabaseMetaData meta = c.getMetaData();
      assertThat(rows(meta.getTables(catalog(), schema(), "%", null), r -> r.getString("TABLE_NAME")))
          .contains("dept", "emp");
      assertThat(rows(meta.getTables(catalog(), schema(), "emp", new String[] {"TABLE", "VIEW"}),
          r -> r.getString("TABLE_TYPE"))).containsExactly("TABLE");
      List<String> columns = rows(meta.getColumns(catalog(), schema(), "emp", "%"), r -> r.getString("COLUMN_NAME")
          + ":" + r.getInt("NULLABLE") + ":" + r.getString("IS_NULLABLE") + ":" + r.getString("TYPE_NAME")
          + ":" + r.getInt("ORDINAL_POSITION"));
      assertThat(columns).containsExactly("id:0:NO:" + integerTypeName() + ":1", "dept_id:1:YES:" + integerTypeName() + ":2",
          "salary:0:NO:" + decimalTypeName() + ":3", "note:1:YES:" + varcharTypeName() + ":4");
      // every column of the catalog, system tables this user may not read included (PostgreSQL's pg_subscription)
      assertThat(rows(meta.getColumns(catalog(), null, "%", "%"), r -> r.getString("TABLE_NAME") + "." + r.getString("COLUMN_NAME")))
          .contains("emp.salary", "dept.name");
      assertThat(rows(meta.getColumns(catalog(), schema(), "emp", "sal%"),
          r -> r.getInt("COLUMN_SIZE") + "," + r.getInt("DECIMAL_DIGITS"))).containsExactly("18,3");
      assertThat(rows(meta.getPrimaryKeys(catalog(), schema(), "emp"),
          r -> r.getString("TABLE_CAT") + "." + r.getString("TABLE_SCHEM") + "." + r.getString("TABLE_NAME") + "."
              + r.getString("COLUMN_NAME") + ":" + r.getInt("KEY_SEQ")))
          .containsExactly(catalog() + "." + schema() + ".emp.id:1");
      String foreignKey = catalog() + "." + schema() + ".dept.id<-" + catalog() + "." + schema() + ".emp.dept_id:1";
      Column<String> key = r -> r.getString("PKTABLE_CAT") + "." + r.getString("PKTABLE_SCHEM") + "."
          + r.getString("PKTABLE_NAME") + "." + r.getString("PKCOLUMN_NAME") + "<-" + r.getString("FKTABLE_CAT") + "."
          + r.getString("FKTABLE_SCHEM") + "." + r.getString("FKTABLE_NAME") + "." + r.getString("FKCOLUMN_NAME")
          + ":" + r.getInt("KEY_SEQ");
      assertThat(rows(meta.getImportedKeys(catalog(), schema(), "emp"), key)).containsExactly(foreignKey);
      assertThat(rows(meta.getExportedKeys(catalog(), schema(), "dept"), key)).containsExactly(foreignKey);
      assertThat(rows(meta.getCrossReference(catalog(), schema(), "dept", catalog(), schema(), "emp"), key))
          .containsExactly(foreignKey);
      assertThat(rows(meta.getImportedKeys(catalog(), schema(), "dept"), key)).isEmpty();
      // no Flight SQL command asks for these: the driver answers them empty, without failing
      rows(meta.getIndexInfo(catalog(), schema(), "emp", false, true), r -> r.getString("INDEX_NAME"));
      rows(meta.getProcedures(catalog(), schema(), "%"), r -> r.getString("PROCEDURE_NAME"));
      rows(meta.getFunctions(catalog(), schema(), "%"), r -> r.getString("FUNCTION_NAME"));
      rows(meta.getBestRowIdentifier(catalog(), schema(), "emp", DatabaseMetaData.bestRowSession, true),
          r -> r.getString("COLUMN_NAME"));
      try (Statement s = c.createStatement(); ResultSet data = s.executeQuery("SELECT * FROM emp ORDER BY id")) {
        assertThat(data.next()).isTrue(); // the data tab
      }
    }
  }

  String integerTypeName() {
    return "INTEGER";
  }

  String varcharTypeName() {
    return "VARCHAR";
  }

  @Test
  void resultSetMetadataCarriesPrecisionScaleAndTypes() throws Exception {
    String sql = "SELECT id, salary, note, salary * 2 AS twice FROM emp WHERE id = ?";
    try (Connection c = connect(); PreparedStatement p = c.prepareStatement(sql)) {
      ResultSetMetaData meta = p.getMetaData();
      assertThat(meta.getColumnCount()).isEqualTo(4);
      assertThat(meta.getColumnType(2)).isEqualTo(java.sql.Types.DECIMAL);
      assertThat(meta.getPrecision(2)).isEqualTo(18);
      assertThat(meta.getScale(2)).isEqualTo(3);
      assertThat(meta.getPrecision(1)).isEqualTo(10);
      assertThat(meta.isSearchable(1)).isTrue();
      assertResultColumnsOfATable(meta);
      p.setInt(1, 10);
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.getMetaData().getPrecision(2)).isEqualTo(18);
        assertThat(rs.getMetaData().getScale(2)).isEqualTo(3);
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBigDecimal(2)).isEqualByComparingTo("1234.5");
      }
    }
    try (Connection c = connect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT salary FROM emp ORDER BY id")) {
      assertThat(rs.getMetaData().getPrecision(1)).isEqualTo(18);
      assertThat(rs.getMetaData().getScale(1)).isEqualTo(3);
    }
    // Nullability travels on the Arrow fields; the 18.3.0 JDBC driver never reads it (isNullable is always 0)
    try (BufferAllocator allocator = new RootAllocator(); FlightClient client = flightClient(allocator)) {
      FlightSqlClient sqlClient = new FlightSqlClient(client);
      CredentialCallOption bearer = bearer(client);
      FlightSqlClient.PreparedStatement prepared = sqlClient.prepare(sql, bearer);
      try {
        Schema result = prepared.getResultSetSchema();
        Field salary = result.getFields().get(1);
        FlightSqlColumnMetadata salaryMeta = new FlightSqlColumnMetadata(salary.getMetadata());
        assertThat(salaryMeta.getPrecision()).isEqualTo(18);
        assertThat(salaryMeta.getScale()).isEqualTo(3);
        assertThat(salaryMeta.getTypeName()).isNotBlank();
        assertThat(result.getFields().get(2).isNullable()).isTrue();
        assertThat(salary.isNullable()).isEqualTo(!describesResultNullability());
        Field parameter = prepared.getParameterSchema().getFields().get(0);
        assertThat(new FlightSqlColumnMetadata(parameter.getMetadata()).getTypeName()).isNotBlank();
      } finally {
        prepared.close(bearer);
      }
    }
  }

  /** What the database says about the table a result column comes from; DuckDB says nothing. */
  abstract void assertResultColumnsOfATable(ResultSetMetaData meta) throws SQLException;

  @Test
  void adbcGetInfoAndGetObjects() throws Exception {
    Map<String, Object> parameters = new HashMap<>();
    AdbcDriver.PARAM_URI.set(parameters, serve.printed.get("flight_url"));
    AdbcDriver.PARAM_USERNAME.set(parameters, serve.printed.get("user"));
    AdbcDriver.PARAM_PASSWORD.set(parameters, serve.printed.get("password"));
    try (BufferAllocator allocator = new RootAllocator();
        AdbcDatabase database = new FlightSqlDriver(allocator).open(parameters);
        AdbcConnection adbc = database.connect()) {
      List<Integer> codes = new ArrayList<>();
      try (ArrowReader info = adbc.getInfo()) {
        VectorSchemaRoot root = info.getVectorSchemaRoot(); // before loadNextBatch: the 0.20.0 reader needs it
        while (info.loadNextBatch()) {
          for (int i = 0; i < root.getRowCount(); i++) {
            codes.add(((Number) root.getVector(0).getObject(i)).intValue());
          }
        }
      }
      // The driver's own name; the server's vendor name and version are lost by the 0.20.0 Java driver
      // (GetInfoMetadataReader.processRootFromStream empties the stream's root before reading it)
      assertThat(codes).contains(AdbcInfoCode.DRIVER_NAME.getValue());

      try (ArrowReader objects = adbc.getObjects(GetObjectsDepth.ALL, catalog(), schema(), "emp", null, null)) {
        VectorSchemaRoot root = objects.getVectorSchemaRoot();
        assertThat(objects.loadNextBatch()).isTrue();
        assertThat(root.getRowCount()).isEqualTo(1);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> schemas = (List<Map<String, Object>>) root.getVector(1).getObject(0);
        @SuppressWarnings("unchecked")
        Map<String, Object> emp = ((List<Map<String, Object>>) schemas.get(0).get("db_schema_tables")).get(0);
        assertThat(emp.get("table_name").toString()).isEqualTo("emp");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> columns = (List<Map<String, Object>>) emp.get("table_columns");
        List<String> described = columns.stream().map(col -> col.get("column_name") + ":" + col.get("xdbc_nullable")
            + ":" + col.get("xdbc_type_name")).toList();
        assertThat(described).containsExactly("id:0:" + integerTypeName(), "dept_id:1:" + integerTypeName(),
            "salary:0:" + decimalTypeName(), "note:1:" + varcharTypeName());
        // The 0.20.0 Java driver builds getObjects from GetCatalogs, GetDbSchemas and GetTables only:
        // it never asks for keys, so it reports no constraints whatever the server holds
        assertThat(emp.get("table_constraints")).isNull();
      }
    }
  }

  @Test
  void flightSqlClientKeysTypesAndInfo() throws Exception {
    try (BufferAllocator allocator = new RootAllocator(); FlightClient client = flightClient(allocator)) {
      FlightSqlClient sql = new FlightSqlClient(client);
      CredentialCallOption bearer = bearer(client);
      TableRef emp = TableRef.of(catalog(), schema(), "emp");
      assertThat(strings(sql, sql.getPrimaryKeys(emp, bearer), bearer, "column_name")).containsExactly("id");
      assertThat(strings(sql, sql.getImportedKeys(emp, bearer), bearer, "pk_table_name")).containsExactly("dept");
      assertThat(strings(sql, sql.getExportedKeys(TableRef.of(null, null, "dept"), bearer), bearer, "fk_table_name"))
          .containsExactly("emp");
      assertThat(strings(sql, sql.getCrossReference(TableRef.of(null, null, "dept"), emp, bearer), bearer,
          "fk_column_name")).containsExactly("dept_id");
      assertThat(strings(sql, sql.getXdbcTypeInfo(bearer), bearer, "type_name")).isNotEmpty();
      assertThat(strings(sql, sql.getXdbcTypeInfo(java.sql.Types.INTEGER, bearer), bearer, "data_type"))
          .isNotEmpty().allMatch(t -> t.equals(String.valueOf(java.sql.Types.INTEGER)));

      long started = System.nanoTime();
      Map<Integer, Object> info = new HashMap<>();
      FlightInfo all = sql.getSqlInfo(new SqlInfo[0], bearer);
      try (FlightStream stream = sql.getStream(all.getEndpoints().get(0).getTicket(), bearer)) {
        while (stream.next()) {
          for (int i = 0; i < stream.getRoot().getRowCount(); i++) {
            info.put(((Number) stream.getRoot().getVector(0).getObject(i)).intValue(),
                stream.getRoot().getVector(1).getObject(i));
          }
        }
      }
      System.out.printf("GetSqlInfo: %d values in %d ms%n", info.size(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      assertThat(info.get(SqlInfo.FLIGHT_SQL_SERVER_NAME_VALUE).toString()).isEqualTo("Kapu");
      assertThat(info.get(SqlInfo.FLIGHT_SQL_SERVER_TRANSACTION_VALUE)).isEqualTo(savepoints()
          ? SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_SAVEPOINT_VALUE
          : SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_TRANSACTION_VALUE);
      assertThat(info.get(SqlInfo.SQL_SAVEPOINTS_SUPPORTED_VALUE)).isEqualTo(savepoints());
      assertThat(info).containsKeys(SqlInfo.SQL_IDENTIFIER_CASE_VALUE, SqlInfo.SQL_QUOTED_IDENTIFIER_CASE_VALUE,
          SqlInfo.SQL_KEYWORDS_VALUE, SqlInfo.SQL_SUPPORTED_CONCURRENCIES_FOR_RESULT_SET_FORWARD_ONLY_VALUE);
      assertIdentifierCase((Long) info.get(SqlInfo.SQL_IDENTIFIER_CASE_VALUE));
    }
  }

  /** The database's case of unquoted identifiers, as GetSqlInfo tells it. */
  abstract void assertIdentifierCase(long sqlIdentifierCase);

  FlightClient flightClient(BufferAllocator allocator) throws Exception {
    return FlightClient.builder(allocator, new Location(serve.printed.get("flight_url"))).build();
  }

  CredentialCallOption bearer(FlightClient client) {
    return client.authenticateBasicToken(serve.printed.get("user"), serve.printed.get("password")).orElseThrow();
  }

  private static List<String> strings(FlightSqlClient sql, FlightInfo info, CredentialCallOption bearer, String column)
      throws Exception {
    List<String> values = new ArrayList<>();
    try (FlightStream stream = sql.getStream(info.getEndpoints().get(0).getTicket(), bearer)) {
      while (stream.next()) {
        for (int i = 0; i < stream.getRoot().getRowCount(); i++) {
          values.add(String.valueOf(stream.getRoot().getVector(column).getObject(i)));
        }
      }
    }
    return values;
  }

  /** A JDBC row's value. */
  @FunctionalInterface
  interface Column<T> {
    T of(ResultSet row) throws SQLException;
  }

  static <T> List<T> rows(ResultSet rs, Column<T> column) throws SQLException {
    List<T> values = new ArrayList<>();
    try (rs) {
      while (rs.next()) {
        values.add(column.of(rs));
      }
    }
    return values;
  }
}
