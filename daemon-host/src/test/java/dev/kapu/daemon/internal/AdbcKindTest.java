package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.arrow.adbc.core.AdbcConnection;
import org.apache.arrow.adbc.core.AdbcDatabase;
import org.apache.arrow.adbc.core.AdbcStatement;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@code adbc} kind: over JDBC against a real PostgreSQL, and over Flight SQL against a small server. */
class AdbcKindTest {
  static final int ROWS = 100_000;

  static TestPostgres postgres;
  static TestResources.Environment environment;

  @BeforeAll
  static void start() throws Exception {
    postgres = TestPostgres.start();
    environment = new TestResources.Environment();
    try (Connection c = DriverManager.getConnection(postgres.url(), TestPostgres.USER, TestPostgres.PASSWORD);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE numbers AS SELECT g::bigint AS id, 'row ' || g AS label"
          + " FROM generate_series(1, " + ROWS + ") g");
      s.execute("ANALYZE");
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

  static ResourceSpec jdbcSpec(String name, String... extra) {
    Map<String, String> options = new HashMap<>(Map.of("driver", "jdbc", "url", postgres.url(),
        "user", TestPostgres.USER, "password", TestPostgres.PASSWORD));
    for (int i = 0; i < extra.length; i += 2) {
      options.put(extra[i], extra[i + 1]);
    }
    return ResourceSpec.replicated(name, "adbc", options);
  }

  static long backendPid(AdbcConnection connection) throws Exception {
    try (AdbcStatement statement = connection.createStatement()) {
      statement.setSqlQuery("SELECT pg_backend_pid()");
      try (ArrowReader reader = statement.executeQuery().getReader()) {
        assertThat(reader.loadNextBatch()).isTrue();
        FieldVector pid = reader.getVectorSchemaRoot().getVector(0);
        return ((Number) pid.getObject(0)).longValue();
      }
    }
  }

  @Test
  void concurrentTasksNeverShareAJdbcConnectionAndStayWithinThePool() throws Exception {
    int poolSize = 3;
    Set<Long> inUse = ConcurrentHashMap.newKeySet();
    ExecutorService tasks = Executors.newFixedThreadPool(12);
    try (ResourceRegistry registry = ResourceRegistry.open(List.of(jdbcSpec("pg-adbc", "poolSize", "" + poolSize)),
        environment);
        SessionSampler sampler = new SessionSampler(postgres)) {
      HostedResource adbc = registry.get("pg-adbc");
      List<Future<Long>> results = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        results.add(tasks.submit(() -> {
          try (TestResources.Scope scope = new TestResources.Scope()) {
            AdbcConnection connection = adbc.get(AdbcConnection.class, scope);
            long pid = backendPid(connection);
            if (!inUse.add(pid)) {
              throw new AssertionError("two tasks hold the JDBC connection of backend " + pid + " at once");
            }
            try {
              Thread.sleep(1);
              assertThat(backendPid(connection)).isEqualTo(pid);
            } finally {
              inUse.remove(pid);
            }
            return pid;
          }
        }));
      }
      Set<Long> backends = ConcurrentHashMap.newKeySet();
      for (Future<Long> result : results) {
        backends.add(result.get(60, TimeUnit.SECONDS));
      }
      sampler.close();
      System.out.printf("300 ADBC tasks, pool %d: %d backends used, at most %d sessions seen in %d samples%n",
          poolSize, backends.size(), sampler.max(), sampler.samples());
      assertThat(backends.size()).isBetween(1, poolSize);
      assertThat(sampler.max()).isBetween(1, poolSize);
    } finally {
      tasks.shutdownNow();
    }
  }

  @Test
  void aQueryBindsParametersAndStreamsTheStatementsReader() throws Exception {
    try (HostedResource adbc = new AdbcKind().open(jdbcSpec("pg-adbc"), environment);
        BufferAllocator allocator = environment.allocator().newChildAllocator("adbc-query", 0, Long.MAX_VALUE)) {
      List<String> labels = new ArrayList<>();
      try (ArrowReader reader = adbc.query("SELECT id, label FROM numbers WHERE id >= ? AND id < ? ORDER BY id",
          List.of(5L, 8L), allocator, TestResources.SCOPE)) {
        while (reader.loadNextBatch()) {
          VectorSchemaRoot root = reader.getVectorSchemaRoot();
          for (int r = 0; r < root.getRowCount(); r++) {
            labels.add(root.getVector("id").getObject(r) + ":" + root.getVector("label").getObject(r));
          }
        }
      }
      assertThat(labels).containsExactly("5:row 5", "6:row 6", "7:row 7");

      long rows = 0;
      long sum = 0;
      try (ArrowReader reader = adbc.query("SELECT id FROM numbers", List.of(), allocator, TestResources.SCOPE)) {
        while (reader.loadNextBatch()) {
          BigIntVector ids = (BigIntVector) reader.getVectorSchemaRoot().getVector(0);
          rows += ids.getValueCount();
          for (int r = 0; r < ids.getValueCount(); r++) {
            sum += ids.get(r);
          }
        }
      }
      assertThat(rows).isEqualTo(ROWS);
      assertThat(sum).isEqualTo((long) ROWS * (ROWS + 1) / 2);
      assertThat(allocator.getAllocatedMemory()).isZero();
      assertThat(((com.zaxxer.hikari.HikariDataSource) adbc.get(DataSource.class, null)).getHikariPoolMXBean()
          .getActiveConnections()).isZero();

      assertThatThrownBy(() -> adbc.query("SELECT ?", java.util.Arrays.asList((Object) null), allocator, TestResources.SCOPE))
          .hasMessageContaining("parameter 1 is null");
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  @Test
  void theDatabaseHandsOutConnectionsThatDoNotShareOneJdbcConnection() throws Exception {
    try (HostedResource adbc = new AdbcKind().open(jdbcSpec("pg-adbc", "poolSize", "2"), environment)) {
      AdbcDatabase database = adbc.get(AdbcDatabase.class, null);
      AdbcConnection first = database.connect();
      AdbcConnection second = database.connect();
      long firstPid = backendPid(first);
      assertThat(backendPid(second)).isNotEqualTo(firstPid);
      first.close();
      assertThat(backendPid(second)).isPositive(); // still usable: closing one did not close the other
      second.close();
      database.close(); // the resource's: a no-op for tasks
      try (AdbcConnection again = database.connect()) {
        assertThat(backendPid(again)).isPositive();
      }
    }
  }

  @Test
  void aBadUrlFailsWithTheResourcesName() {
    ResourceSpec noDriver = ResourceSpec.replicated("lake", "adbc", Map.of("driver", "jdbc", "url", "jdbc:nope://x"));
    assertThatThrownBy(() -> ResourceRegistry.open(List.of(noDriver), environment))
        .hasMessageContaining("resource 'lake' (adbc) failed to open").hasMessageContaining("jdbc:nope://x");
    ResourceSpec unknownDriver = ResourceSpec.replicated("lake", "adbc", Map.of("driver", "odbc"));
    assertThatThrownBy(() -> ResourceRegistry.open(List.of(unknownDriver), environment))
        .hasMessageContaining("resource 'lake' (adbc)").hasMessageContaining("known drivers: jdbc, flight-sql");
  }

  @Test
  void flightSqlQueriesARemoteServer() throws Exception {
    try (TestFlightSqlServer server = new TestFlightSqlServer(environment.allocator());
        ResourceRegistry registry = ResourceRegistry.open(List.of(ResourceSpec.replicated("remote", "adbc",
            Map.of("driver", "flight-sql", "uri", server.uri()))), environment)) {
      HostedResource remote = registry.get("remote");
      long sum = 0;
      try (ArrowReader reader = remote.query("SELECT range AS n FROM range(10000)", List.of(), environment.allocator(), TestResources.SCOPE)) {
        while (reader.loadNextBatch()) {
          BigIntVector n = (BigIntVector) reader.getVectorSchemaRoot().getVector("n");
          for (int r = 0; r < n.getValueCount(); r++) {
            sum += n.get(r);
          }
        }
      }
      assertThat(sum).isEqualTo(9999L * 10000 / 2);
      try (TestResources.Scope scope = new TestResources.Scope()) {
        AdbcConnection connection = remote.get(AdbcConnection.class, scope);
        try (AdbcStatement statement = connection.createStatement()) {
          statement.setSqlQuery("SELECT 42::INTEGER AS answer");
          try (ArrowReader reader = statement.executeQuery().getReader()) {
            assertThat(reader.loadNextBatch()).isTrue();
            assertThat(((IntVector) reader.getVectorSchemaRoot().getVector("answer")).get(0)).isEqualTo(42);
          }
        }
      }
    }
  }

  @Test
  void anUnreachableFlightSqlServerFailsAtOpenWithTheResourcesName() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    ResourceSpec spec = ResourceSpec.replicated("far-away", "adbc",
        Map.of("driver", "flight-sql", "uri", "grpc://127.0.0.1:" + closedPort));
    assertThatThrownBy(() -> ResourceRegistry.open(List.of(spec), environment))
        .hasMessageContaining("resource 'far-away' (adbc) failed to open")
        .hasMessageContaining("grpc://127.0.0.1:" + closedPort);
  }
}
