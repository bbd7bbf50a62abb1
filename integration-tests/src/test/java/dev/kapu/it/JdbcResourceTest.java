package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.KapuException;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.ResourceSpec;
import dev.kapu.api.TaskContext;
import dev.kapu.api.TaskOptions;
import dev.kapu.bench.ThrowawayPostgres;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.TaskFuture;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.Types.MinorType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A HikariCP pool on a real PostgreSQL, declared in a kapu.yaml and hosted in a daemon process. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class JdbcResourceTest {
  static final int POOL_SIZE = 3;
  static final int ROWS = 500_000;

  @TempDir static Path dir;
  static ThrowawayPostgres postgres;
  static LocalKapu kapu;

  @BeforeAll
  static void start() throws Exception {
    long started = System.nanoTime();
    postgres = ThrowawayPostgres.start();
    System.out.printf("throwaway PostgreSQL up in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE numbers AS SELECT g::bigint AS id, g * 0.5::float8 AS x, 'row ' || g AS label"
          + " FROM generate_series(1, " + ROWS + ") g");
      s.execute("ALTER TABLE numbers ADD PRIMARY KEY (id)");
      // Small enough that every plan is cheap: the 1,000 tasks measure the pool, not the scans.
      s.execute("CREATE TABLE small AS SELECT g::bigint AS id FROM generate_series(1, 1000) g");
      s.execute("ANALYZE"); // without statistics the planner picks parallel scans, whose workers also show as sessions
    }
    // Declared by configuration, as a user would: a kapu.yaml naming the pool and its size.
    Path yaml = dir.resolve("kapu.yaml");
    Files.writeString(yaml, String.join("\n",
        "resources:",
        "  pg:",
        "    kind: jdbc",
        "    options:",
        "      url: \"" + postgres.jdbcUrl() + "\"",
        "      user: \"" + postgres.user() + "\"",
        "      password: \"" + postgres.password() + "\"",
        "      poolSize: " + POOL_SIZE,
        ""));
    // More slots than connections: tasks queue for the pool, and the pool alone bounds the sessions.
    kapu = Kapu.builder().daemons(1).slots(8).config(yaml).local();
  }

  @AfterAll
  static void stop() {
    if (kapu != null) {
      kapu.close();
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  /** The sum of ids up to {@code n}, read three ways: the task's connection, the DataSource, Arrow. */
  static long sumOfIds(TaskContext ctx, int way, long n) throws Exception {
    if (way == 2) {
      long sum = 0;
      try (ArrowReader reader = ctx.query("pg", "SELECT id FROM small WHERE id <= ?", n)) {
        while (reader.loadNextBatch()) {
          BigIntVector ids = (BigIntVector) reader.getVectorSchemaRoot().getVector("id");
          for (int i = 0; i < ids.getValueCount(); i++) {
            sum += ids.get(i);
          }
        }
      }
      return sum;
    }
    String sql = "SELECT sum(id) FROM small WHERE id <= ?";
    if (way == 0) {
      Connection connection = ctx.resource("pg", Connection.class); // back in the pool when the task ends
      try (PreparedStatement statement = connection.prepareStatement(sql)) {
        statement.setLong(1, n);
        try (ResultSet rs = statement.executeQuery()) {
          rs.next();
          return rs.getLong(1);
        }
      }
    }
    try (Connection connection = ctx.resource("pg", DataSource.class).getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setLong(1, n);
      try (ResultSet rs = statement.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void aPoolOpenedByConfigurationServesAThousandTasksWhileTheDatabaseSeesNoMoreConnectionsThanThePoolSize()
      throws Exception {
    List<TaskFuture<Long>> futures = new ArrayList<>();
    long started = System.nanoTime();
    try (PostgresSessions sessions = new PostgresSessions(postgres)) {
      for (int i = 0; i < 1000; i++) {
        long n = i + 1;
        int way = i % 3;
        futures.add(kapu.submit(ctx -> sumOfIds(ctx, way, n), TaskOptions.on("pg")));
      }
      for (int i = 0; i < futures.size(); i++) {
        long n = i + 1;
        assertThat(futures.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(n * (n + 1) / 2);
      }
      sessions.close();
      System.out.printf("1000 tasks on a pool of %d in %d ms: at most %d sessions in %d samples of pg_stat_activity%n",
          POOL_SIZE, (System.nanoTime() - started) / 1_000_000, sessions.max(), sessions.samples());
      assertThat(sessions.samples()).isGreaterThan(10);
      assertThat(sessions.max()).isBetween(1, POOL_SIZE);
    }
  }

  @Test
  void kapuQueryStreamsColumnarBatchesFromTheDaemon() throws Exception {
    long limit = 300_000;
    try (ArrowReader reader = kapu.query("pg", "SELECT id, x, label FROM numbers WHERE id <= ? ORDER BY id", limit)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      assertThat(root.getSchema().getFields()).extracting(f -> f.getName()).containsExactly("id", "x", "label");
      assertThat(root.getVector("id").getMinorType()).isEqualTo(MinorType.BIGINT);
      assertThat(root.getVector("x").getMinorType()).isEqualTo(MinorType.FLOAT8);
      assertThat(root.getVector("label").getMinorType()).isEqualTo(MinorType.VARCHAR);
      long rows = 0;
      long sum = 0;
      int batches = 0;
      while (reader.loadNextBatch()) {
        batches++;
        BigIntVector ids = (BigIntVector) root.getVector("id");
        for (int i = 0; i < root.getRowCount(); i++) {
          sum += ids.get(i);
        }
        rows += root.getRowCount();
      }
      assertThat(rows).isEqualTo(limit);
      assertThat(sum).isEqualTo(limit * (limit + 1) / 2);
      assertThat(batches).isGreaterThan(1);
    }
  }

  @Test
  void aDatabaseErrorIsClearAndTheDaemonKeepsServing() throws Exception {
    assertThatThrownBy(() -> kapu.query("pg", "SELECT * FROM no_such_table"))
        .isInstanceOf(RemoteTaskException.class)
        .hasMessageContaining("no_such_table");
    assertThatThrownBy(() -> kapu.submit(ctx -> ctx.resource("pg", String.class), TaskOptions.on("pg"))
            .get(30, TimeUnit.SECONDS))
        .hasMessageContaining("javax.sql.DataSource");
    try (ArrowReader reader = kapu.query("pg", "SELECT count(*) AS n FROM numbers")) {
      assertThat(reader.loadNextBatch()).isTrue();
      assertThat(((Number) reader.getVectorSchemaRoot().getVector("n").getObject(0)).longValue()).isEqualTo(ROWS);
    }
  }

  @Test
  void aResourceWithABadUrlFailsWithItsNameInTheMessage() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    assertThatThrownBy(() -> Kapu.builder()
            .resource(ResourceSpec.replicated("orders-db", "jdbc", Map.of(
                "url", "jdbc:postgresql://127.0.0.1:" + closedPort + "/kapu", "user", "kapu", "password", "x")))
            .local())
        .isInstanceOf(KapuException.class)
        .hasMessageContaining("resource 'orders-db' (jdbc) failed to open")
        .hasMessageContaining("refused");
    assertThatThrownBy(() -> Kapu.builder()
            .resource(ResourceSpec.replicated("billing", "jdbc", Map.of(
                "url", postgres.jdbcUrl(), "user", postgres.user(), "password", "not-the-password")))
            .local())
        .isInstanceOf(KapuException.class)
        .hasMessageContaining("resource 'billing' (jdbc) failed to open")
        .hasMessageContaining("password authentication failed");
  }
}
