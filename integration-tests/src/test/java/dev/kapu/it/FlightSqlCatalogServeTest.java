package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
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
 * {@code kapu serve --config}: each resource is a catalog; the JDBC driver's {@code catalog}
 * property chooses where statements run; an unknown catalog is refused.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FlightSqlCatalogServeTest {

  @Test
  void catalogPropertyChoosesTheResource(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  sales: { kind: duckdb, placement: pinned }",
        "  staff: { kind: duckdb, placement: pinned }",
        ""));
    ServeProcess serve = ServeProcess.start("--config", config.toString(), "--port", "0", "--daemons", "2");
    try {
      Connection staff = DriverManager.getConnection(serve.jdbcUrl() + "&catalog=staff");
      try (Statement s = staff.createStatement()) {
        s.executeUpdate("CREATE TABLE people AS SELECT 'ada' AS name");
      } finally {
        closeCatalogConnection(staff);
      }
      // the default catalog is the config's first resource: no such table there
      try (Connection c = DriverManager.getConnection(serve.jdbcUrl()); Statement s = c.createStatement()) {
        assertThatThrownBy(() -> s.executeQuery("SELECT * FROM people").close())
            .isInstanceOf(SQLException.class).hasMessageContaining("people");
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getTables(null, null, "%", null)) {
          while (rs.next()) {
            tables.add(rs.getString("TABLE_CAT") + "." + rs.getString("TABLE_NAME"));
          }
        }
        assertThat(tables).containsExactly("staff.people");
      }
      Connection again = DriverManager.getConnection(serve.jdbcUrl() + "&catalog=staff");
      try (Statement s = again.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM people")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("ada");
      } finally {
        closeCatalogConnection(again);
      }
      // Kapu's reason, not the 18.3 driver's "Check log for details"
      assertThatThrownBy(() -> DriverManager.getConnection(serve.jdbcUrl() + "&catalog=nope").close())
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("unknown catalog 'nope'; user 'kapu' may use: sales, staff");
    } finally {
      serve.stop();
    }
  }

  /**
   * The 18.3.0 driver, when a catalog is set, sends CloseSession on a channel it has already shut
   * down ("Channel shutdown invoked"): a client-side bug this server cannot avoid, so only that
   * failure is tolerated here.
   */
  static void closeCatalogConnection(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      assertThat(e.getMessage()).contains("Channel shutdown invoked");
    }
  }
}
