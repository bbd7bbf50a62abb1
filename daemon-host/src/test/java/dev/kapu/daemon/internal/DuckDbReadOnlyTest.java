package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.ReadOnlyException;
import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The duckdb kind for a caller who may only read: DuckDB's parser must see one SELECT, and it
 * runs in a read-only transaction; whatever either refuses leaves the database and the disk as
 * they were.
 */
class DuckDbReadOnlyTest {
  @TempDir Path dir;
  private TestResources.Environment environment;
  private HostedResource duckdb;

  @BeforeEach
  void open() throws Exception {
    environment = new TestResources.Environment();
    duckdb = new DuckDbKind().open(ResourceSpec.pinned("db", "duckdb", Map.of()), environment);
    try (TestResources.Scope scope = new TestResources.Scope()) {
      Connection c = duckdb.get(Connection.class, scope);
      c.createStatement().execute("CREATE TABLE t AS SELECT 1 AS x");
      c.createStatement().execute("CREATE SEQUENCE seq");
    }
  }

  @AfterEach
  void close() throws Exception {
    duckdb.close();
    environment.close();
  }

  private long count(String sql) throws Exception {
    try (ArrowReader reader = duckdb.query(sql, List.of(), environment.allocator(), TestResources.SCOPE)) {
      reader.loadNextBatch();
      return ((Number) reader.getVectorSchemaRoot().getVector(0).getObject(0)).longValue();
    }
  }

  private long rows(ArrowReader reader) throws Exception {
    long rows = 0;
    try (reader) {
      while (reader.loadNextBatch()) {
        rows += reader.getVectorSchemaRoot().getRowCount();
      }
    }
    return rows;
  }

  @Test
  void selectsRunWithParameters() throws Exception {
    assertThat(rows(duckdb.queryReadOnly("SELECT * FROM t WHERE x = ?", List.of(1), environment.allocator(), TestResources.SCOPE))).isEqualTo(1);
    assertThat(rows(duckdb.queryReadOnly("SHOW TABLES", List.of(), environment.allocator(), TestResources.SCOPE))).isEqualTo(1);
    assertThat(rows(duckdb.queryReadOnly("WITH a AS (SELECT 2) FROM a", List.of(), environment.allocator(), TestResources.SCOPE))).isEqualTo(1);
  }

  @Test
  void statementsThatCouldWriteAreRefusedAndNothingChanges() throws Exception {
    Path written = dir.resolve("out.csv");
    Path attached = dir.resolve("other.duckdb");
    for (String sql : List.of(
        "INSERT INTO t VALUES (2) RETURNING x",
        "CREATE TABLE u AS SELECT 1",
        "COPY t TO '" + written + "'",
        "COPY t TO '" + written + "'; SELECT 1", // the driver would run the COPY while preparing
        "ATTACH '" + attached + "' AS other",
        "EXPLAIN ANALYZE INSERT INTO t VALUES (3)",
        "SET threads = 1",
        "SELECT 1; SELECT 2")) {
      assertThatThrownBy(() -> duckdb.queryReadOnly(sql, List.of(), environment.allocator(), TestResources.SCOPE).close())
          .as(sql).isInstanceOf(ReadOnlyException.class).hasMessageContaining("one SELECT statement");
    }
    // a write hidden in a SELECT meets the read-only transaction
    assertThatThrownBy(() -> rows(duckdb.queryReadOnly("WITH a AS (INSERT INTO t VALUES (4) RETURNING x) SELECT * FROM a",
        List.of(), environment.allocator(), TestResources.SCOPE))).isInstanceOf(SQLException.class).hasMessageContaining("read-only");
    assertThatThrownBy(() -> rows(duckdb.queryReadOnly("SELECT nextval('seq')", List.of(), environment.allocator(), TestResources.SCOPE)))
        .isInstanceOf(SQLException.class).hasMessageContaining("read-only");
    assertThat(count("SELECT count(*) FROM t")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM information_schema.tables")).isEqualTo(1);
    assertThat(count("SELECT nextval('seq')")).isEqualTo(1); // never advanced before
    assertThat(written).doesNotExist();
    assertThat(attached).doesNotExist();
    assertThat(Files.list(dir)).isEmpty();
  }

  @Test
  void aTyposMessageIsTheParsers() {
    assertThatThrownBy(() -> duckdb.queryReadOnly("SELEC 1", List.of(), environment.allocator(), TestResources.SCOPE))
        .isInstanceOf(SQLException.class).hasMessageContaining("Parser Error: syntax error at or near \"SELEC\"");
  }

  @Test
  void theReadOnlyConnectionOnlyPreparesSelectsAndSurvivesAnError() throws Exception {
    try (TestResources.Scope scope = new TestResources.Scope()) {
      Connection c = duckdb.readOnlyConnection(scope);
      assertThatThrownBy(() -> c.prepareStatement("INSERT INTO t VALUES (5); SELECT 1"))
          .isInstanceOf(ReadOnlyException.class);
      assertThatThrownBy(c::createStatement).isInstanceOf(ReadOnlyException.class);
      assertThatThrownBy(c::commit).isInstanceOf(ReadOnlyException.class);
      assertThatThrownBy(() -> c.prepareStatement("SELECT nope").executeQuery()).isInstanceOf(SQLException.class);
      c.rollback(); // DuckDB refuses everything after an error until then; a new read-only transaction begins
      try (PreparedStatement p = c.prepareStatement("SELECT x FROM t"); ResultSet r = p.executeQuery()) {
        assertThat(r.next()).isTrue();
      }
      try (PreparedStatement p = c.prepareStatement("SELECT nextval('seq')")) {
        assertThatThrownBy(p::executeQuery).hasMessageContaining("read-only");
      }
    }
    assertThat(count("SELECT count(*) FROM t")).isEqualTo(1);
  }
}
