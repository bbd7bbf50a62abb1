package dev.kapu.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.ResourceSpec;
import dev.kapu.api.builtin.CatalogRequest.ForeignKeys.Direction;
import dev.kapu.api.builtin.CatalogRequest;
import dev.kapu.daemon.internal.ColumnMetadata;
import dev.kapu.daemon.internal.DuckDbKind;
import dev.kapu.daemon.internal.TestResources;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.flight.sql.SqlSchemas;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Types;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.arrow.flight.sql.FlightSqlColumnMetadata;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlInfo;
import org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedCaseSensitivity;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.duckdb.DuckDBResultSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Metadata answers from a real in-memory DuckDB resource, as the daemon gives them to the Flight SQL server. */
class CatalogReaderTest {
  private final TestResources.Environment environment = new TestResources.Environment();
  private final BufferAllocator allocator = environment.allocator();
  private final TestResources.Scope task = new TestResources.Scope();
  private HostedResource hosted;
  private Connection duckdb;
  private CatalogReader reader;

  @BeforeEach
  void open() throws Exception {
    hosted = new DuckDbKind().open(ResourceSpec.pinned("warehouse", "duckdb", Map.of()), environment);
    duckdb = hosted.get(Connection.class, task);
    try (Statement s = duckdb.createStatement()) {
      s.execute("CREATE TABLE dept (id INTEGER PRIMARY KEY, name VARCHAR NOT NULL)");
      s.execute("CREATE TABLE emp (id INTEGER PRIMARY KEY, dept_id INTEGER REFERENCES dept(id),"
          + " salary DECIMAL(18,3) NOT NULL, note VARCHAR)");
      s.execute("CREATE TABLE my_t (x INTEGER)");
      s.execute("CREATE TABLE myxt (x INTEGER)");
      s.execute("CREATE VIEW rich AS SELECT * FROM emp WHERE salary > 1000");
    }
    reader = new CatalogReader(duckdb, "warehouse", hosted, this::schemaOf);
  }

  @AfterEach
  void close() throws Exception {
    task.close();
    hosted.close();
    environment.close(); // fails on a leak
  }

  private Schema schemaOf(String sql) throws Exception {
    try (Statement s = duckdb.createStatement();
        DuckDBResultSet result = (DuckDBResultSet) s.executeQuery(sql);
        ArrowReader arrow = (ArrowReader) result.arrowExportStream(allocator, 1)) {
      return arrow.getVectorSchemaRoot().getSchema();
    }
  }

  private List<String> names(CatalogRequest request, int... columns) throws Exception {
    return reader.answer(request).stream()
        .map(row -> Arrays.stream(columns).mapToObj(c -> String.valueOf(row.get(c))).collect(Collectors.joining(".")))
        .toList();
  }

  @Test
  void tablesMatchAsWrittenElseCaseInsensitively() throws Exception {
    assertThat(names(new CatalogRequest.Tables(null, "emp", List.of(), false), 0, 1, 2, 3))
        .containsExactly("warehouse.main.emp.TABLE");
    // sqlline upper-cases "emp" because the JDBC driver says identifiers are stored upper case
    assertThat(names(new CatalogRequest.Tables("MAIN", "EMP", List.of(), false), 2)).containsExactly("emp");
    assertThat(names(new CatalogRequest.Tables(null, "%", List.of("VIEW"), false), 2, 3)).containsExactly("rich.VIEW");
    assertThat(names(new CatalogRequest.Tables(null, "%", List.of("TABLE"), false), 2))
        .containsExactly("dept", "emp", "my_t", "myxt");
    // \ escapes a LIKE wildcard
    assertThat(names(new CatalogRequest.Tables(null, "my\\_t", List.of(), false), 2)).containsExactly("my_t");
    assertThat(names(new CatalogRequest.Tables(null, "nothing%", List.of(), false), 2)).isEmpty();
  }

  @Test
  void schemasMatchAsTablesDo() throws Exception {
    assertThat(names(new CatalogRequest.Schemas(null), 0, 1)).contains("warehouse.main");
    assertThat(names(new CatalogRequest.Schemas("MAIN"), 1)).containsExactly("main");
  }

  @Test
  void aTablesSchemaCarriesTheDatabasesNullabilityAndColumnMetadata() throws Exception {
    List<List<Object>> rows = reader.answer(new CatalogRequest.Tables(null, "emp", List.of(), true));
    assertThat(rows).hasSize(1);
    Schema schema = SqlSchemas.fromBytes((byte[]) rows.get(0).get(4));
    Map<String, Field> fields = schema.getFields().stream().collect(Collectors.toMap(Field::getName, f -> f));
    assertThat(fields.get("id").isNullable()).isFalse(); // PRIMARY KEY
    assertThat(fields.get("salary").isNullable()).isFalse(); // NOT NULL
    assertThat(fields.get("dept_id").isNullable()).isTrue();
    assertThat(fields.get("salary").getType()).isEqualTo(new ArrowType.Decimal(18, 3, 128)); // as a query streams it
    FlightSqlColumnMetadata salary = new FlightSqlColumnMetadata(fields.get("salary").getMetadata());
    assertThat(salary.getTypeName()).isEqualTo("DECIMAL(18,3)");
    assertThat(salary.getPrecision()).isEqualTo(18);
    assertThat(salary.getScale()).isEqualTo(3);
    assertThat(salary.getCatalogName()).isEqualTo("warehouse");
    assertThat(salary.getSchemaName()).isEqualTo("main");
    assertThat(salary.getTableName()).isEqualTo("emp");
  }

  @Test
  void primaryAndForeignKeysComeFromDuckDbsConstraints() throws Exception {
    assertThat(names(new CatalogRequest.PrimaryKeys(null, "emp"), 0, 1, 2, 3, 4)).containsExactly("warehouse.main.emp.id.1");
    assertThat(names(new CatalogRequest.PrimaryKeys("MAIN", "EMP"), 3)).containsExactly("id");
    String key = "warehouse.main.dept.id->warehouse.main.emp.dept_id";
    for (CatalogRequest request : List.of(
        new CatalogRequest.ForeignKeys(Direction.IMPORTED, null, null, "main", "emp"),
        new CatalogRequest.ForeignKeys(Direction.EXPORTED, "main", "DEPT", null, null),
        new CatalogRequest.ForeignKeys(Direction.CROSS, null, "dept", null, "emp"))) {
      List<List<Object>> rows = reader.answer(request);
      assertThat(rows).as(request.toString()).hasSize(1);
      List<Object> row = rows.get(0);
      assertThat(row.get(0) + "." + row.get(1) + "." + row.get(2) + "." + row.get(3) + "->" + row.get(4) + "."
          + row.get(5) + "." + row.get(6) + "." + row.get(7)).isEqualTo(key);
      assertThat(row.get(8)).isEqualTo(1); // key_sequence
      assertThat(row.get(11)).isEqualTo(java.sql.DatabaseMetaData.importedKeyNoAction); // update_rule
    }
    assertThat(reader.answer(new CatalogRequest.ForeignKeys(Direction.CROSS, null, "emp", null, "dept"))).isEmpty();
  }

  @Test
  void typesComeFromDuckDbsDriver() throws Exception {
    List<List<Object>> all = reader.answer(new CatalogRequest.TypeInfo(null));
    assertThat(all.stream().map(r -> (String) r.get(0))).contains("INTEGER", "VARCHAR", "DECIMAL", "TIMESTAMP");
    List<List<Object>> integers = reader.answer(new CatalogRequest.TypeInfo(Types.INTEGER));
    assertThat(integers).allSatisfy(r -> assertThat(r.get(1)).isEqualTo(Types.INTEGER)).isNotEmpty();
    assertThat(integers.get(0)).hasSize(19); // GET_TYPE_INFO_SCHEMA's columns
  }

  @Test
  void sqlInfoIsDuckDbsOwn() throws Exception {
    Map<Object, Object> info = reader.answer(new CatalogRequest.Info()).stream()
        .collect(Collectors.toMap(r -> r.get(0), r -> r.get(1)));
    assertThat(info.get(SqlInfo.SQL_IDENTIFIER_CASE_VALUE))
        .isEqualTo((long) SqlSupportedCaseSensitivity.SQL_CASE_SENSITIVITY_CASE_INSENSITIVE_VALUE);
    assertThat(info.get(SqlInfo.SQL_TRANSACTIONS_SUPPORTED_VALUE)).isEqualTo(true);
    assertThat(info.get(SqlInfo.SQL_SAVEPOINTS_SUPPORTED_VALUE)).isEqualTo(duckdb.getMetaData().supportsSavepoints());
    // Flight SQL numbers isolation levels 0 to 4 where JDBC has 0, 1, 2, 4, 8
    assertThat(info.get(SqlInfo.SQL_DEFAULT_TRANSACTION_ISOLATION_VALUE))
        .isEqualTo(Map.of(0, 0L, 1, 1L, 2, 2L, 4, 3L, 8, 4L).get(duckdb.getMetaData().getDefaultTransactionIsolation()));
    assertThat(info.get(SqlInfo.SQL_KEYWORDS_VALUE)).asList().contains("select", "qualify");
    assertThat(info.get(SqlInfo.SQL_SUPPORTED_UNIONS_VALUE)).isEqualTo(3); // UNION and UNION ALL
    assertThat(info.get(SqlInfo.SQL_IDENTIFIER_QUOTE_CHAR_VALUE)).isEqualTo("\"");
  }

  @Test
  void aResultDescriptionCarriesPrecisionScaleAndTypeName() throws Exception {
    try (PreparedStatement statement = duckdb.prepareStatement("SELECT salary, salary * 2 AS twice, note FROM emp WHERE id = ?")) {
      ColumnMetadata columns = ColumnMetadata.ofResult(statement.getMetaData(), "warehouse");
      Schema annotated = columns.annotate(schemaOf("SELECT salary, salary * 2 AS twice, note FROM emp LIMIT 0"));
      FlightSqlColumnMetadata salary = new FlightSqlColumnMetadata(annotated.getFields().get(0).getMetadata());
      assertThat(salary.getTypeName()).isEqualTo("DECIMAL(18,3)");
      assertThat(salary.getPrecision()).isEqualTo(18);
      assertThat(salary.getScale()).isEqualTo(3);
      assertThat(annotated.getFields().get(0).isNullable()).isTrue(); // DuckDB does not tell a result column's nullability
      assertThat(columns.annotate(new Schema(List.of()))).isEqualTo(new Schema(List.of())); // another description: untouched
      ColumnMetadata parameters = ColumnMetadata.ofParameters(statement.getParameterMetaData());
      assertThat(new FlightSqlColumnMetadata(parameters.columns().get(0).metadata()).getTypeName()).isEqualTo("INTEGER");
    }
  }
}
