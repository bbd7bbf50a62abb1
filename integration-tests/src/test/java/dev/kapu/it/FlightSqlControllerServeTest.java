package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kapu serve --controller local} as a separate process: it starts with no daemon, the first
 * query waits for one to launch and connect, idle daemons leave, and the next query launches one
 * again. The DuckDB file is shared by the daemons, read-only.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FlightSqlControllerServeTest {

  @Test
  void daemonsComeWithQueriesAndLeaveWhenIdle(@TempDir Path dir) throws Exception {
    Path warehouse = dir.resolve("warehouse.duckdb");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + warehouse);
         Statement s = c.createStatement()) {
      s.execute("CREATE TABLE fruit AS SELECT * FROM (VALUES (1, 'apple'), (2, 'pear')) t(id, name)");
    }
    ServeProcess serve = ServeProcess.start("--controller", "local", "--max-workers", "2",
        "--idle-seconds", "2", "--duckdb", warehouse.toString(), "--port", "0");
    try {
      assertThat(String.join("\n", serve.output)).contains("launched on demand", "read-only");
      assertThat(workers(serve)).as("no daemon before the first query").isEmpty();
      try (Connection connection = DriverManager.getConnection(serve.jdbcUrl())) {
        assertThat(fruit(connection)).containsExactly("1 apple", "2 pear");
        assertThat(workers(serve)).as("a daemon launched for the query").isNotEmpty();
        assertThatThrownBy(() -> {
          try (Statement s = connection.createStatement()) {
            s.executeUpdate("INSERT INTO fruit VALUES (3, 'plum')");
          }
        }).isInstanceOf(SQLException.class).hasMessageContaining("read-only");

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!workers(serve).isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        assertThat(workers(serve)).as("idle daemons left").isEmpty();

        assertThat(fruit(connection)).as("a new daemon answers").containsExactly("1 apple", "2 pear");
        assertThat(workers(serve)).isNotEmpty();
      }
    } finally {
      List<ProcessHandle> left = workers(serve);
      serve.stop();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (left.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(left).as("daemons stop with kapu serve").noneMatch(ProcessHandle::isAlive);
    }
  }

  @Test
  void controllerRefusesTheInMemoryDatabase() {
    assertThatThrownBy(() -> ServeProcess.start("--controller", "local", "--port", "0"))
        .hasMessageContaining("--controller needs --duckdb FILE or --config")
        .hasMessageContaining("own in-memory database");
  }

  private static List<String> fruit(Connection connection) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement s = connection.createStatement();
         ResultSet r = s.executeQuery("SELECT id, name FROM fruit ORDER BY id")) {
      while (r.next()) {
        rows.add(r.getInt(1) + " " + r.getString(2));
      }
    }
    return rows;
  }

  /** The serve process's live children: under a controller with the local launcher, its daemons. */
  private static List<ProcessHandle> workers(ServeProcess serve) {
    // kapu serve starts no other process; workers get the class path inline, not in an @argfile
    return serve.process.children().filter(ProcessHandle::isAlive).toList();
  }
}
