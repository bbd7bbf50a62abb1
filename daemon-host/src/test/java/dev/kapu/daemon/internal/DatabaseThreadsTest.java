package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * DuckDB binds deep SQL by recursion on the calling thread. On these threads it reaches its own
 * depth limit and says so; with the JVM's default stack, subqueries nested 1,000 deep killed the
 * whole process (a native stack overflow), which would end this test's JVM.
 */
class DatabaseThreadsTest {

  static String nestedSubqueries(int depth) {
    return "SELECT * FROM (".repeat(depth) + "SELECT 1 AS x" + ") t".repeat(depth);
  }

  /** What DuckDB answers to {@code sql} on a fresh in-memory database: the value or its error. */
  private static String answer(String sql) {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      return e.getMessage();
    }
  }

  @Test
  void deepSqlGetsDuckDbsOwnAnswerOnTheseThreads() throws Exception {
    ExecutorService threads = Executors.newCachedThreadPool(new DatabaseThreads("deep"));
    try {
      assertThat(CompletableFuture.supplyAsync(() -> answer(nestedSubqueries(998)), threads).get()).isEqualTo("1");
      for (int depth : new int[] {999, 1_000, 20_000}) {
        assertThat(CompletableFuture.supplyAsync(() -> answer(nestedSubqueries(depth)), threads).get())
            .startsWith("Binder Error: Max expression depth limit of 1000 exceeded");
      }
    } finally {
      threads.shutdown();
    }
  }

  @Test
  void theThreadsAreNamedAndDaemons() {
    Thread t = new DatabaseThreads("kapu-task").newThread(() -> {});
    assertThat(t.getName()).isEqualTo("kapu-task-1");
    assertThat(t.isDaemon()).isTrue();
  }
}
