package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.KapuException;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.ResourceSpec;
import dev.kapu.api.TaskOptions;
import dev.kapu.api.UnknownResourceException;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.Types.MinorType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** DuckDB hosted in daemon processes: queries, per-task connections, files, pinned tables. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DuckDbResourceTest {
  @TempDir static Path dir;
  private static LocalKapu kapu;
  private static Path warehouse;

  @BeforeAll
  static void start() throws Exception {
    warehouse = dir.resolve("warehouse.duckdb");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + warehouse);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE orders AS SELECT range AS id, range % 7 AS shop FROM range(5000)");
    }
    Files.writeString(dir.resolve("people.csv"), "name,age\nada,36\nalan,41\ngrace,85\n");
    kapu = Kapu.builder()
        .daemons(2)
        .slots(2)
        .resource(ResourceSpec.replicated("mem", "duckdb", Map.of()))
        .resource(ResourceSpec.replicated("warehouse", "duckdb", Map.of("path", warehouse.toString(), "readOnly", "true")))
        .resource(ResourceSpec.pinned("scratch", "duckdb", Map.of()))
        .resource(ResourceSpec.pinned("tables", "arrow", Map.of("memoryLimit", "64MB")))
        .local();
  }

  @AfterAll
  static void stop() {
    kapu.close();
  }

  private static long countRows(ArrowReader reader) throws Exception {
    long rows = 0;
    try (reader) {
      while (reader.loadNextBatch()) {
        rows += reader.getVectorSchemaRoot().getRowCount();
      }
    }
    return rows;
  }

  @Test
  void aQueryStreamsColumnarBatchesFromTheDaemon() throws Exception {
    try (ArrowReader reader = kapu.query("mem",
        "SELECT range AS id, range * 1.5 AS x, 'row ' || range AS label FROM range(300000)")) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      assertThat(root.getSchema().getFields()).extracting(f -> f.getName()).containsExactly("id", "x", "label");
      assertThat(root.getVector("id").getMinorType()).isEqualTo(MinorType.BIGINT);
      assertThat(root.getVector("x").getMinorType()).isIn(MinorType.DECIMAL, MinorType.FLOAT8);
      assertThat(root.getVector("label").getMinorType()).isEqualTo(MinorType.VARCHAR);
      long rows = 0;
      int batches = 0;
      long sum = 0;
      while (reader.loadNextBatch()) {
        batches++;
        BigIntVector ids = (BigIntVector) root.getVector("id");
        for (int i = 0; i < root.getRowCount(); i++) {
          sum += ids.get(i);
        }
        rows += root.getRowCount();
      }
      assertThat(rows).isEqualTo(300_000);
      assertThat(sum).isEqualTo(300_000L * 299_999 / 2);
      assertThat(batches).isGreaterThan(1); // it streamed, it was not one blob
    }
  }

  @Test
  void aTaskReturningArrowDataStreamsItBackAsBatches() throws Exception {
    // A reader the task got from its resource: it stays on the daemon and streams.
    ArrowReader fromQuery = kapu.<ArrowReader>submit(
        ctx -> ctx.query("mem", "SELECT range AS id FROM range(200000)"), TaskOptions.on("mem"))
        .get(30, TimeUnit.SECONDS);
    assertThat(countRows(fromQuery)).isEqualTo(200_000);

    // A JDBC result set, as Arrow: the reader keeps the task's connection open while it streams.
    ArrowReader fromJdbc = kapu.<ArrowReader>submit(ctx -> {
      Statement s = ctx.resource("warehouse", Connection.class).createStatement();
      return ctx.arrow(s.executeQuery("SELECT id, shop FROM orders WHERE shop = 3"));
    }, TaskOptions.on("warehouse")).get(30, TimeUnit.SECONDS);
    assertThat(fromJdbc.getVectorSchemaRoot().getSchema().getFields()).extracting(f -> f.getName())
        .containsExactly("id", "shop");
    assertThat(countRows(fromJdbc)).isEqualTo(714);

    // A root the task filled itself comes back as a root.
    VectorSchemaRoot built = kapu.<VectorSchemaRoot>submit(ctx -> {
      VectorSchemaRoot root = VectorSchemaRoot.create(new org.apache.arrow.vector.types.pojo.Schema(
          List.of(org.apache.arrow.vector.types.pojo.Field.nullable("n",
              new org.apache.arrow.vector.types.pojo.ArrowType.Int(64, true)))), ctx.allocator());
      BigIntVector n = (BigIntVector) root.getVector("n");
      n.allocateNew(3);
      for (int i = 0; i < 3; i++) {
        n.set(i, (i + 1) * 100L);
      }
      root.setRowCount(3);
      return root;
    }).get(30, TimeUnit.SECONDS);
    try (built) {
      assertThat(built.getRowCount()).isEqualTo(3);
      BigIntVector n = (BigIntVector) built.getVector("n");
      assertThat(List.of(n.get(0), n.get(1), n.get(2))).containsExactly(100L, 200L, 300L);
    }
  }

  @Test
  void parametersBindAndAFileDatabaseIsRead() throws Exception {
    assertThat(countRows(kapu.query("warehouse", "SELECT * FROM orders WHERE shop = ?", 3))).isEqualTo(714);
  }

  @Test
  void csvAndParquetFilesAreReadByPath() throws Exception {
    Path csv = dir.resolve("people.csv");
    assertThat(countRows(kapu.query("mem", "SELECT * FROM read_csv('" + csv + "') WHERE age > 40"))).isEqualTo(2);
    Path parquet = dir.resolve("numbers.parquet");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
      s.execute("COPY (SELECT range AS n FROM range(1234)) TO '" + parquet + "' (FORMAT parquet)");
    }
    assertThat(countRows(kapu.query("mem", "SELECT * FROM '" + parquet + "'"))).isEqualTo(1234);
  }

  @Test
  void eachRunningTaskHasItsOwnConnection() throws Exception {
    // A temporary table lives in one connection: a task that makes one and waits, and another
    // task running meanwhile on the same daemon, must not see each other's.
    var first = kapu.submit(ctx -> {
      try (Statement s = ctx.resource("mem", Connection.class).createStatement()) {
        s.execute("CREATE TEMP TABLE mine AS SELECT 1 AS x");
        Thread.sleep(800);
        return ctx.daemonId();
      }
    }, TaskOptions.on("mem"));
    List<Boolean> seen = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      seen.add(kapu.submit(ctx -> {
        try (Statement s = ctx.resource("mem", Connection.class).createStatement();
            ResultSet rs = s.executeQuery("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'mine'")) {
          rs.next();
          return rs.getLong(1) > 0;
        }
      }, TaskOptions.on("mem")).get(30, TimeUnit.SECONDS));
    }
    first.get(30, TimeUnit.SECONDS);
    assertThat(seen).containsOnly(false);
  }

  @Test
  void pinnedWorkGoesToItsDaemonAndItsTablesAreQueryableByName() throws Exception {
    List<String> where = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      where.add(kapu.submit(ctx -> ctx.daemonId(), TaskOptions.on("scratch")).get(30, TimeUnit.SECONDS));
    }
    assertThat(where).containsOnly("local-1");

    long stored = kapu.submit(ctx -> {
      ctx.tables().put("sales", ctx.query("scratch", "SELECT range AS amount FROM range(1000)"));
      return ctx.tables().rowCount("sales");
    }, TaskOptions.on("scratch")).get(30, TimeUnit.SECONDS);
    assertThat(stored).isEqualTo(1000);

    // The table is now something daemon local-1 hosts: work that names it is routed there.
    String holder = kapu.submit(ctx -> ctx.daemonId() + ":" + ctx.tables().names(), TaskOptions.on("sales"))
        .get(30, TimeUnit.SECONDS);
    assertThat(holder).isEqualTo("local-1:[sales]");
    try (ArrowReader reader = kapu.query("scratch", "SELECT sum(amount) AS total FROM sales")) {
      assertThat(reader.loadNextBatch()).isTrue();
      assertThat(((Number) reader.getVectorSchemaRoot().getVector("total").getObject(0)).longValue())
          .isEqualTo(999L * 1000 / 2);
    }
    assertThat(kapu.submit(ctx -> ctx.tables().drop("sales"), TaskOptions.on("sales")).get(30, TimeUnit.SECONDS))
        .isTrue();
  }

  @Test
  void badSqlAndUnknownResourcesAreClearErrorsAndTheDaemonsKeepServing() throws Exception {
    assertThatThrownBy(() -> kapu.query("mem", "SELEC oops"))
        .isInstanceOf(RemoteTaskException.class)
        .hasMessageContaining("Parser Error");
    assertThatThrownBy(() -> kapu.query("nowhere", "SELECT 1"))
        .isInstanceOf(UnknownResourceException.class)
        .hasMessageContaining("nowhere")
        .hasMessageContaining("mem");
    assertThat(countRows(kapu.query("mem", "SELECT 42"))).isEqualTo(1);
  }

  @Test
  void aResourceThatCannotOpenStopsTheStartAndNamesItself() {
    Path missing = dir.resolve("no/such/dir/x.duckdb");
    assertThatThrownBy(() -> Kapu.builder()
            .resource(ResourceSpec.replicated("broken", "duckdb", Map.of("path", missing.toString(), "readOnly", "true")))
            .local())
        .isInstanceOf(KapuException.class)
        .hasMessageContaining("resource 'broken' (duckdb) failed to open");
  }
}
