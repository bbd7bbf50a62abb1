package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariPoolMXBean;
import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@code jdbc} kind against a real PostgreSQL started from Debian's binaries. */
class JdbcKindTest {
  static final int ROWS = 200_000;

  static TestPostgres postgres;
  static TestResources.Environment environment;

  @BeforeAll
  static void start() throws Exception {
    postgres = TestPostgres.start();
    environment = new TestResources.Environment();
    try (Connection c = DriverManager.getConnection(postgres.url(), TestPostgres.USER, TestPostgres.PASSWORD);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE numbers AS SELECT g::bigint AS id, g * 0.5::float8 AS half, 'row ' || g AS label"
          + " FROM generate_series(1, " + ROWS + ") g");
      s.execute("ALTER TABLE numbers ADD PRIMARY KEY (id)");
      s.execute("ANALYZE"); // without statistics the planner picks parallel scans for tiny lookups
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (environment != null) {
      environment.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  static ResourceSpec spec(String name, String... extra) {
    Map<String, String> options = new HashMap<>(Map.of("url", postgres.url(), "user", TestPostgres.USER,
        "password", TestPostgres.PASSWORD));
    for (int i = 0; i < extra.length; i += 2) {
      options.put(extra[i], extra[i + 1]);
    }
    return ResourceSpec.replicated(name, "jdbc", options);
  }

  @Test
  void aPoolOpenedByConfigurationServesAThousandTasksWithinItsSize() throws Exception {
    int poolSize = 4;
    ExecutorService tasks = Executors.newFixedThreadPool(16);
    try (ResourceRegistry registry = ResourceRegistry.open(List.of(spec("pg", "poolSize", "" + poolSize)), environment);
        SessionSampler sampler = new SessionSampler(postgres)) {
      HostedResource pg = registry.get("pg");
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        long upTo = i + 1;
        int way = i % 3;
        results.add(tasks.submit(() -> {
          try (TestResources.Scope scope = new TestResources.Scope()) {
            return sumOfIds(pg, scope, way, upTo);
          }
        }));
      }
      for (int i = 0; i < results.size(); i++) {
        long n = i + 1;
        assertThat(results.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(n * (n + 1) / 2);
      }
      Thread.sleep(50); // a last sample or two after the tasks
      sampler.close();
      System.out.printf("1000 tasks, pool %d: at most %d sessions seen in %d samples%n", poolSize, sampler.max(),
          sampler.samples());
      assertThat(sampler.samples()).isGreaterThan(10);
      assertThat(sampler.max()).isBetween(1, poolSize);
      assertThat(pg.get(HikariPoolMXBean.class, null).getActiveConnections()).isZero();
    } finally {
      tasks.shutdownNow();
    }
  }

  /** Three ways a task uses the pool: its own connection, the DataSource, a query as Arrow. */
  private static long sumOfIds(HostedResource pg, TestResources.Scope scope, int way, long upTo) throws Exception {
    String sql = "SELECT id FROM numbers WHERE id <= ?";
    if (way == 2) {
      long sum = 0;
      try (ArrowReader reader = pg.query(sql, List.of(upTo), environment.allocator(), TestResources.SCOPE)) {
        while (reader.loadNextBatch()) {
          BigIntVector ids = (BigIntVector) reader.getVectorSchemaRoot().getVector("id");
          for (int r = 0; r < ids.getValueCount(); r++) {
            sum += ids.get(r);
          }
        }
      }
      return sum;
    }
    Connection connection = way == 0 ? pg.get(Connection.class, scope) : pg.get(DataSource.class, scope).getConnection();
    try (PreparedStatement statement = connection.prepareStatement("SELECT sum(id) FROM numbers WHERE id <= ?")) {
      statement.setLong(1, upTo);
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } finally {
      if (way == 1) {
        connection.close(); // from the DataSource: the task's to close
      }
    }
  }

  @Test
  void aResourceWithABadUrlFailsWithItsNameInTheMessage() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    ResourceSpec refused = ResourceSpec.replicated("orders-db", "jdbc",
        Map.of("url", "jdbc:postgresql://127.0.0.1:" + closedPort + "/kapu", "user", "kapu", "password", "x"));
    assertThatThrownBy(() -> ResourceRegistry.open(List.of(refused), environment))
        .isInstanceOf(ResourceRegistry.ResourceException.class)
        .hasMessageContaining("resource 'orders-db' (jdbc) failed to open")
        .hasMessageContaining("127.0.0.1:" + closedPort)
        .hasMessageContaining("refused");

    ResourceSpec noDriver = ResourceSpec.replicated("warehouse", "jdbc", Map.of("url", "jdbc:nosuchdb://host/db"));
    assertThatThrownBy(() -> ResourceRegistry.open(List.of(noDriver), environment))
        .hasMessageContaining("resource 'warehouse' (jdbc) failed to open")
        .hasMessageContaining("jdbc:nosuchdb://host/db");

    ResourceSpec wrongPassword = spec("billing", "password", "not-the-password");
    assertThatThrownBy(() -> ResourceRegistry.open(List.of(wrongPassword), environment))
        .hasMessageContaining("resource 'billing' (jdbc) failed to open")
        .hasMessageContaining("password authentication failed");

    ResourceSpec noUrl = ResourceSpec.replicated("nowhere", "jdbc", Map.of());
    assertThatThrownBy(() -> ResourceRegistry.open(List.of(noUrl), environment))
        .hasMessageContaining("resource 'nowhere' (jdbc) needs option 'url'");
  }

  @Test
  void aQueryStreamsArrowBatchesAndGivesEverythingBack() throws Exception {
    JdbcKind kind = new JdbcKind();
    try (HostedResource pg = kind.open(spec("pg", "batchRows", "65536", "fetchSize", "5000"), environment);
        BufferAllocator allocator = environment.allocator().newChildAllocator("query", 0, Long.MAX_VALUE)) {
      List<Integer> batches = new ArrayList<>();
      long sum = 0;
      double halves = 0;
      String first = null;
      try (ArrowReader reader = pg.query("SELECT id, half, label FROM numbers ORDER BY id", List.of(), allocator, TestResources.SCOPE)) {
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        assertThat(root.getSchema().getFields()).extracting(f -> f.getType().getTypeID())
            .containsExactly(ArrowType.ArrowTypeID.Int, ArrowType.ArrowTypeID.FloatingPoint, ArrowType.ArrowTypeID.Utf8);
        while (reader.loadNextBatch()) {
          batches.add(root.getRowCount());
          BigIntVector ids = (BigIntVector) root.getVector(0);
          Float8Vector half = (Float8Vector) root.getVector(1);
          for (int r = 0; r < root.getRowCount(); r++) {
            sum += ids.get(r);
            halves += half.get(r);
          }
          if (first == null) {
            first = ((VarCharVector) root.getVector(2)).getObject(0).toString();
          }
        }
        assertThat(pg.get(HikariPoolMXBean.class, null).getActiveConnections()).isEqualTo(1);
      }
      assertThat(batches).containsExactly(65536, 65536, 65536, ROWS - 3 * 65536);
      assertThat(sum).isEqualTo((long) ROWS * (ROWS + 1) / 2);
      assertThat(halves).isEqualTo(sum * 0.5);
      assertThat(first).isEqualTo("row 1");
      assertThat(allocator.getAllocatedMemory()).isZero();
      assertThat(pg.get(HikariPoolMXBean.class, null).getActiveConnections()).isZero();
    }
  }

  @Test
  void aReaderClosedEarlyReleasesItsConnectionAndMemory() throws Exception {
    try (HostedResource pg = new JdbcKind().open(spec("pg", "batchRows", "1000"), environment);
        BufferAllocator allocator = environment.allocator().newChildAllocator("early", 0, Long.MAX_VALUE)) {
      try (ArrowReader reader = pg.query("SELECT * FROM numbers", List.of(), allocator, TestResources.SCOPE)) {
        assertThat(reader.loadNextBatch()).isTrue();
        assertThat(reader.getVectorSchemaRoot().getRowCount()).isEqualTo(1000);
      }
      assertThat(allocator.getAllocatedMemory()).isZero();
      assertThat(pg.get(HikariPoolMXBean.class, null).getActiveConnections()).isZero();
    }
  }

  @Test
  void columnsWithoutAnArrowTypeArriveAsText() throws Exception {
    try (HostedResource pg = new JdbcKind().open(spec("pg"), environment);
        ArrowReader reader = pg.query("SELECT 1.5::numeric AS n, 12.34::numeric(10,2) AS money,"
            + " '{\"a\": 1}'::json AS j, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u, true AS b,"
            + " DATE '2024-01-02' AS d, TIMESTAMP '2024-01-02 03:04:05' AS ts, NULL::bigint AS missing,"
            + " ARRAY[1, 2] AS arr, ?::text AS param", List.of("hello"), environment.allocator(), TestResources.SCOPE)) {
      assertThat(reader.loadNextBatch()).isTrue();
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      assertThat(root.getVector("n").getField().getType()).isEqualTo(ArrowType.Utf8.INSTANCE);
      assertThat(root.getVector("n").getObject(0).toString()).isEqualTo("1.5");
      assertThat(root.getVector("money").getField().getType()).isEqualTo(new ArrowType.Decimal(10, 2, 128));
      assertThat(((DecimalVector) root.getVector("money")).getObject(0)).isEqualByComparingTo("12.34");
      assertThat(root.getVector("j").getObject(0).toString()).isEqualTo("{\"a\": 1}");
      assertThat(root.getVector("u").getObject(0).toString()).isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
      assertThat(((BitVector) root.getVector("b")).get(0)).isEqualTo(1);
      assertThat(((DateDayVector) root.getVector("d")).get(0)).isEqualTo(19724); // 2024-01-02
      assertThat(root.getVector("ts").getField().getType()).isEqualTo(new ArrowType.Timestamp(org.apache.arrow.vector.types.TimeUnit.MILLISECOND, "UTC"));
      assertThat(((TimeStampVector) root.getVector("ts")).get(0))
          .isEqualTo(Instant.parse("2024-01-02T03:04:05Z").toEpochMilli());
      assertThat(root.getVector("missing").isNull(0)).isTrue();
      assertThat(root.getVector("arr").getObject(0).toString()).isEqualTo("{1,2}");
      assertThat(root.getVector("param").getObject(0).toString()).isEqualTo("hello");
      assertThat(reader.loadNextBatch()).isFalse();
    }
  }

  @Test
  void aTaskConnectionGoesBackToThePoolWhenTheTaskEnds() throws Exception {
    try (HostedResource pg = new JdbcKind().open(spec("pg", "poolSize", "2", "property.ApplicationName", "kapu-test"),
        environment)) {
      HikariPoolMXBean stats = pg.get(HikariPoolMXBean.class, null);
      TestResources.Scope scope = new TestResources.Scope();
      Connection connection = pg.get(Connection.class, scope);
      try (Statement s = connection.createStatement();
          ResultSet rs = s.executeQuery("SELECT current_setting('application_name')")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("kapu-test"); // a driver property, from property.NAME
      }
      assertThat(stats.getActiveConnections()).isEqualTo(1);
      scope.close();
      assertThat(stats.getActiveConnections()).isZero();
      assertThatThrownBy(() -> pg.get(String.class, scope)).hasMessageContaining("javax.sql.DataSource");
    }
  }

  @Test
  void aFailingQuerySaysWhyAndReleasesItsConnection() throws Exception {
    try (HostedResource pg = new JdbcKind().open(spec("pg"), environment)) {
      assertThatThrownBy(() -> pg.query("SELECT * FROM no_such_table", List.of(), environment.allocator(), TestResources.SCOPE))
          .isInstanceOf(SQLException.class).hasMessageContaining("no_such_table");
      assertThat(pg.get(HikariPoolMXBean.class, null).getActiveConnections()).isZero();
    }
  }

  /**
   * A read-only caller's statements run in a READ ONLY transaction: PostgreSQL refuses the writes,
   * whether fetchSize asks for a transaction anyway or not, and the pooled connection comes back
   * writable for the next caller.
   */
  @Test
  void aReadOnlyCallerCannotWriteAndTheConnectionComesBackWritable() throws Exception {
    try (Connection c = DriverManager.getConnection(postgres.url(), TestPostgres.USER, TestPostgres.PASSWORD);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE guarded AS SELECT 1 AS x");
      s.execute("CREATE SEQUENCE guarded_seq");
    }
    for (String fetchSize : List.of("0", "100")) {
      try (HostedResource pg = new JdbcKind().open(spec("pg", "poolSize", "1", "fetchSize", fetchSize), environment)) {
        for (String write : List.of("INSERT INTO guarded VALUES (2) RETURNING x", "SELECT nextval('guarded_seq')",
            "CREATE TABLE made AS SELECT 1")) {
          assertThatThrownBy(() -> {
            try (ArrowReader reader = pg.queryReadOnly(write, List.of(), environment.allocator(), TestResources.SCOPE)) {
              reader.loadNextBatch();
            }
          }).as(write).isInstanceOf(SQLException.class).hasMessageContaining("read-only transaction");
        }
        try (ArrowReader reader = pg.queryReadOnly("SELECT x FROM guarded WHERE x = ?", List.of(1),
            environment.allocator(), TestResources.SCOPE)) {
          assertThat(reader.loadNextBatch()).isTrue();
          assertThat(reader.getVectorSchemaRoot().getRowCount()).isEqualTo(1);
        }
        try (TestResources.Scope scope = new TestResources.Scope()) {
          Connection readOnly = pg.readOnlyConnection(scope);
          try (PreparedStatement p = readOnly.prepareStatement("DELETE FROM guarded")) {
            assertThatThrownBy(p::executeUpdate).hasMessageContaining("read-only transaction");
          }
          readOnly.rollback(); // after an error PostgreSQL wants one; the next transaction is read-only again
          try (PreparedStatement p = readOnly.prepareStatement("UPDATE guarded SET x = 3")) {
            assertThatThrownBy(p::executeUpdate).hasMessageContaining("read-only transaction");
          }
        }
        // the one pooled connection, writable again for a caller who may write
        try (ArrowReader reader = pg.query("INSERT INTO guarded VALUES (" + (10 + fetchSize.length()) + ") RETURNING x",
            List.of(), environment.allocator(), TestResources.SCOPE)) {
          assertThat(reader.loadNextBatch()).isTrue();
        }
      }
    }
    try (Connection c = DriverManager.getConnection(postgres.url(), TestPostgres.USER, TestPostgres.PASSWORD);
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
            "SELECT string_agg(x::text, ',' ORDER BY x), (SELECT last_value FROM guarded_seq),"
                + " to_regclass('made') IS NULL FROM guarded")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("1,11,13");
      assertThat(rs.getLong(2)).isEqualTo(1); // never advanced: last_value starts at 1
      assertThat(rs.getBoolean(3)).isTrue();
    }
  }
}
