package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code kapu serve --duckdb FILE}: what one server writes, the next one started on the file reads. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FlightSqlFileServeTest {

  @Test
  void writesSurviveARestart(@TempDir Path dir) throws Exception {
    String file = dir.resolve("served.duckdb").toString();
    ServeProcess first = ServeProcess.start("--duckdb", file, "--port", "0", "--daemons", "1");
    try (Connection c = DriverManager.getConnection(first.jdbcUrl()); Statement s = c.createStatement()) {
      s.executeUpdate("CREATE TABLE kept AS SELECT range AS i FROM range(1000)");
    } finally {
      first.stop();
    }
    ServeProcess second = ServeProcess.start("--duckdb", file, "--port", "0", "--daemons", "1");
    try (Connection c = DriverManager.getConnection(second.jdbcUrl());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*), sum(i) FROM kept")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(1000);
      assertThat(rs.getLong(2)).isEqualTo(499_500);
    } finally {
      second.stop();
    }
  }
}
