package dev.kapu.it;

import static dev.kapu.it.FlightSqlUsersServeTest.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightStatusCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Deep SQL against {@code kapu serve} in a process of its own, through the official Flight SQL
 * JDBC driver: subqueries nested 1,000 deep (which used to kill the daemon hosting DuckDB with a
 * native stack overflow), long expression chains, deeply nested types and long join chains each
 * get their answer or DuckDB's own error, and the same daemons go on serving the next statement.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DeepSqlServeTest {
  private static final String DEPTH_LIMIT = "Max expression depth limit of 1000 exceeded";

  private static ServeProcess serve;
  private static List<Long> daemonPids;

  @BeforeAll
  static void start() throws Exception {
    serve = ServeProcess.start("--port", "0", "--daemons", "2");
    daemonPids = pids();
    assertThat(daemonPids).hasSize(2);
  }

  @AfterAll
  static void stop() throws Exception {
    if (serve != null) {
      serve.stop();
    }
  }

  /** The daemons {@code kapu serve} runs now. */
  private static List<Long> pids() {
    return serve.process.descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("DaemonCommand"))
        .map(ProcessHandle::pid).sorted().toList();
  }

  /** {@code depth} subqueries, each the FROM of the one around it. */
  static String nestedSubqueries(int depth) {
    return "SELECT * FROM (".repeat(depth) + "SELECT 1 AS x" + ") t".repeat(depth);
  }

  @Test
  void subqueriesNestedAThousandDeepGetDuckDbsErrorAndTheDaemonLives() throws Exception {
    try (Connection c = connect()) {
      assertThatThrownBy(() -> single(c, nestedSubqueries(1000)))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("Binder Error: " + DEPTH_LIMIT)
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.INVALID_ARGUMENT));
      assertThat(single(c, "SELECT 42")).isEqualTo(42L);
    }
    assertTheSameDaemonsServe();
  }

  @Test
  void justBelowDuckDbsLimitTheAnswerComesBack() throws Exception {
    try (Connection c = connect()) {
      // Kapu's describe wraps the statement once more, so 997 levels are the most DuckDB plans here
      assertThat(single(c, nestedSubqueries(997))).isEqualTo(1L);
      assertThatThrownBy(() -> single(c, nestedSubqueries(998)))
          .hasMessageContaining("Maximum tree depth of 1000 exceeded in logical planner")
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.INVALID_ARGUMENT));
      assertThatThrownBy(() -> single(c, nestedSubqueries(999))).hasMessageContaining(DEPTH_LIMIT);
      assertThat(single(c, "SELECT 1" + "+1".repeat(990))).isEqualTo(991L);
      assertThat(single(c, "SELECT len(" + "[".repeat(990) + "1" + "]".repeat(990) + ")")).isEqualTo(1L);
      assertThat(single(c, "SELECT count(*) FROM (SELECT CAST(NULL AS " + "STRUCT(a ".repeat(400) + "INTEGER"
          + ")".repeat(400) + ") AS deep)")).isEqualTo(1L);
    }
    assertTheSameDaemonsServe();
  }

  @Test
  void deeperSqlOfEveryShapeGetsAClearError() throws Exception {
    try (Connection c = connect()) {
      for (String sql : List.of(
          nestedSubqueries(20_000),                                           // no limit covers its parse
          "SELECT 1 FROM range(1) t0" + joins(3_000),                         // nor this one's
          "SELECT 1" + "+1".repeat(5_000),                                    // a long expression chain
          "SELECT " + "abs(".repeat(2_000) + "1" + ")".repeat(2_000),         // nested calls
          "SELECT " + "[".repeat(2_000) + "1" + "]".repeat(2_000),            // a deeply nested value
          "SELECT CAST(NULL AS INTEGER" + "[]".repeat(2_000) + ")",           // a deeply nested type
          "SELECT " + "(SELECT ".repeat(2_000) + "1" + ")".repeat(2_000))) {  // nested scalar subqueries
        assertThatThrownBy(() -> single(c, sql)).as(sql.substring(0, 40))
            .isInstanceOf(SQLException.class)
            .hasMessageContaining(DEPTH_LIMIT)
            .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.INVALID_ARGUMENT));
        assertThat(single(c, "SELECT 7")).isEqualTo(7L);
      }
    }
    assertTheSameDaemonsServe();
  }

  /**
   * A result whose own type nests deeper than Arrow Java's C Data import takes (64 levels) cannot
   * travel as Arrow: it is refused as not supported, saying so, where DuckDB would answer.
   */
  @Test
  void aResultTypeNestedDeeperThanArrowTakesIsRefusedClearly() throws Exception {
    try (Connection c = connect()) {
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + nestedStruct(60) + " AS s")) {
        assertThat(rs.next()).isTrue();
      }
      assertThatThrownBy(() -> single(c, "SELECT " + nestedStruct(100) + " AS s"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("the result's types nest deeper than Arrow's C Data interface imports (64 levels)")
          .satisfies(e -> assertThat(status(e)).isEqualTo(FlightStatusCode.UNIMPLEMENTED));
      assertThat(single(c, "SELECT 8")).isEqualTo(8L);
    }
    assertTheSameDaemonsServe();
  }

  private static String nestedStruct(int depth) {
    return "{'a': ".repeat(depth) + "1" + "}".repeat(depth);
  }

  private static String joins(int n) {
    StringBuilder sql = new StringBuilder();
    for (int i = 1; i <= n; i++) {
      sql.append(" JOIN range(1) t").append(i).append(" ON t").append(i).append(".range = t0.range");
    }
    return sql.toString();
  }

  private static void assertTheSameDaemonsServe() {
    assertThat(serve.process.isAlive()).isTrue();
    assertThat(pids()).isEqualTo(daemonPids);
    assertThat(String.join("\n", serve.output)).doesNotContain("SIGSEGV").doesNotContain(" lost with ");
  }

  private static Connection connect() throws SQLException {
    return DriverManager.getConnection(serve.jdbcUrl());
  }

  private static long single(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getLong(1);
    }
  }
}
