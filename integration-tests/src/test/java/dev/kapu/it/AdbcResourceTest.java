package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.KapuException;
import dev.kapu.api.ResourceSpec;
import dev.kapu.api.TaskOptions;
import dev.kapu.bench.ThrowawayPostgres;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.TaskFuture;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.adbc.core.AdbcConnection;
import org.apache.arrow.adbc.core.AdbcDatabase;
import org.apache.arrow.adbc.core.AdbcStatement;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ADBC over JDBC on a real PostgreSQL, hosted in a daemon process. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AdbcResourceTest {
  static final int POOL_SIZE = 2;
  static final int ROWS = 200_000;

  static ThrowawayPostgres postgres;
  static LocalKapu kapu;

  @BeforeAll
  static void start() throws Exception {
    postgres = ThrowawayPostgres.start();
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE numbers AS SELECT g::bigint AS id, 'row ' || g AS label FROM generate_series(1, "
          + ROWS + ") g");
      s.execute("ANALYZE");
    }
    kapu = Kapu.builder()
        .daemons(1)
        .slots(6)
        .resource(ResourceSpec.replicated("pg", "adbc", Map.of("driver", "jdbc", "url", postgres.jdbcUrl(),
            "user", postgres.user(), "password", postgres.password(), "poolSize", "" + POOL_SIZE)))
        .local();
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

  static long backendPid(AdbcConnection connection) throws Exception {
    try (AdbcStatement statement = connection.createStatement()) {
      statement.setSqlQuery("SELECT pg_backend_pid() AS pid");
      try (ArrowReader reader = statement.executeQuery().getReader()) {
        reader.getVectorSchemaRoot();
        if (!reader.loadNextBatch()) {
          throw new IllegalStateException("no row");
        }
        return ((Number) reader.getVectorSchemaRoot().getVector("pid").getObject(0)).longValue();
      }
    }
  }

  @Test
  void tasksGetAdbcConnectionsOfTheirOwnWhileTheDatabaseSeesNoMoreThanThePool() throws Exception {
    List<TaskFuture<Long>> futures = new ArrayList<>();
    try (PostgresSessions sessions = new PostgresSessions(postgres)) {
      for (int i = 0; i < 200; i++) {
        futures.add(kapu.submit(ctx -> {
          AdbcConnection connection = ctx.resource("pg", AdbcConnection.class); // closed when the task ends
          long pid = backendPid(connection);
          Thread.sleep(2);
          return backendPid(connection) == pid ? pid : -pid; // one JDBC connection for the whole task
        }, TaskOptions.on("pg")));
      }
      Set<Long> backends = new HashSet<>();
      for (TaskFuture<Long> future : futures) {
        backends.add(future.get(60, TimeUnit.SECONDS));
      }
      sessions.close();
      System.out.printf("200 ADBC tasks on a pool of %d: backends %s, at most %d sessions in %d samples%n",
          POOL_SIZE, backends, sessions.max(), sessions.samples());
      assertThat(backends).allMatch(pid -> pid > 0);
      assertThat(backends.size()).isBetween(1, POOL_SIZE);
      assertThat(sessions.max()).isBetween(1, POOL_SIZE);
    }
  }

  @Test
  void theDatabaseHandleGivesIndependentConnections() throws Exception {
    // adbc-driver-jdbc's own AdbcDatabase would hand both the same JDBC connection.
    boolean independent = kapu.submit(ctx -> {
      AdbcDatabase database = ctx.resource("pg", AdbcDatabase.class);
      try (AdbcConnection first = database.connect(); AdbcConnection second = database.connect()) {
        return backendPid(first) != backendPid(second);
      }
    }, TaskOptions.on("pg")).get(60, TimeUnit.SECONDS);
    assertThat(independent).isTrue();
  }

  @Test
  void kapuQueryStreamsTheAdbcReaderWithBoundParameters() throws Exception {
    List<String> rows = new ArrayList<>();
    try (ArrowReader reader = kapu.query("pg", "SELECT id, label FROM numbers WHERE id BETWEEN ? AND ? ORDER BY id",
        10L, 12L)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      while (reader.loadNextBatch()) {
        for (int i = 0; i < root.getRowCount(); i++) {
          rows.add(root.getVector("id").getObject(i) + " " + root.getVector("label").getObject(i));
        }
      }
    }
    assertThat(rows).containsExactly("10 row 10", "11 row 11", "12 row 12");

    long count = 0;
    int batches = 0;
    try (ArrowReader reader = kapu.query("pg", "SELECT id, label FROM numbers")) {
      while (reader.loadNextBatch()) {
        batches++;
        count += reader.getVectorSchemaRoot().getRowCount();
      }
    }
    assertThat(count).isEqualTo(ROWS);
    assertThat(batches).isGreaterThan(1);
  }

  @Test
  void aResourceWithABadUrlFailsWithItsNameInTheMessage() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    assertThatThrownBy(() -> Kapu.builder()
            .resource(ResourceSpec.replicated("lake", "adbc", Map.of("driver", "jdbc",
                "url", "jdbc:postgresql://127.0.0.1:" + closedPort + "/kapu", "user", "kapu", "password", "x")))
            .local())
        .isInstanceOf(KapuException.class)
        .hasMessageContaining("resource 'lake' (adbc) failed to open")
        .hasMessageContaining("refused");
  }
}
