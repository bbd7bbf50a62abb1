package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kapu's queries on a duckdb resource stream (DuckDB produces as they are read), while connections
 * handed to tasks materialize; a streamed statement that fails still reports DuckDB's own error.
 */
class DuckDbStreamingTest {
  private static final String FAILS_AT_ONCE = "SELECT CAST(v AS INTEGER) FROM (VALUES ('1'), ('x')) t(v)";

  private TestResources.Environment environment;
  private HostedResource duckdb;

  @BeforeEach
  void open() throws Exception {
    environment = new TestResources.Environment();
    duckdb = new DuckDbKind().open(ResourceSpec.pinned("db", "duckdb", Map.of()), environment);
  }

  @AfterEach
  void close() throws Exception {
    duckdb.close();
    environment.close();
  }

  @Test
  void aQueryStreams() throws Exception {
    try (ArrowReader reader = duckdb.query("SELECT current_setting('jdbc_stream_results')", List.of(),
        environment.allocator(), TestResources.SCOPE)) {
      assertThat(reader.loadNextBatch()).isTrue();
      assertThat(reader.getVectorSchemaRoot().getVector(0).getObject(0)).isEqualTo(true);
    }
  }

  @Test
  void aStreamedQueryThatFailsBeforeItsFirstRowReportsDuckDbsError() {
    assertThatThrownBy(() -> duckdb.query(FAILS_AT_ONCE, List.of(), environment.allocator(), TestResources.SCOPE).close())
        .hasMessageContaining("Conversion Error: Could not convert string 'x' to INT32");
    assertThatThrownBy(() -> duckdb.queryReadOnly(FAILS_AT_ONCE, List.of(), environment.allocator(), TestResources.SCOPE).close())
        .hasMessageContaining("Conversion Error: Could not convert string 'x' to INT32");
  }

  @Test
  void aStreamedQueryThatFailsMidwayReportsDuckDbsError() {
    assertThatThrownBy(() -> {
      try (ArrowReader reader = duckdb.query("SELECT CAST(CASE WHEN range = 5000000 THEN 'x' ELSE range::VARCHAR END"
          + " AS INTEGER) FROM range(10000000)", List.of(), environment.allocator(), TestResources.SCOPE)) {
        while (reader.loadNextBatch()) {
          // reads up to the failing row
        }
      }
    }).hasMessageContaining("Conversion Error: Could not convert string 'x' to INT32");
  }

  @Test
  void aTaskMayRunStatementsWhileItIteratesAResult() throws Exception {
    try (TestResources.Scope scope = new TestResources.Scope()) {
      Connection c = duckdb.get(Connection.class, scope);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE seen (n BIGINT)");
      }
      try (Statement outer = c.createStatement(); ResultSet rs = outer.executeQuery("SELECT range FROM range(3000)");
          Statement inner = c.createStatement()) {
        while (rs.next()) {
          inner.execute("INSERT INTO seen VALUES (" + rs.getLong(1) + ")");
        }
      }
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM seen")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(3000);
      }
    }
  }
}
