package dev.kapu.daemon.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.ReadOnlyException;
import java.util.List;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.Test;

/** What a kind that overrides nothing offers: plain JDBC's answers, and refusals that name the kind. */
class HostedResourceDefaultsTest {
  private final HostedResource plain = new HostedResource() {
    @Override
    public <T> T get(Class<T> type, TaskScope scope) {
      throw new IllegalArgumentException("nothing");
    }

    @Override
    public ArrowReader query(String sql, List<?> parameters, BufferAllocator allocator, TaskScope scope) {
      throw new IllegalArgumentException("no SQL");
    }

    @Override
    public String kind() {
      return "plain";
    }

    @Override
    public void close() {}
  };

  @Test
  void capabilitiesItLacksAreRefusedNamingTheKind() {
    assertThatThrownBy(() -> plain.ingest(CommandStatementIngest.getDefaultInstance(), null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a resource of kind plain does not");
    assertThatThrownBy(() -> plain.queryReadOnly("SELECT 1", List.of(), null, null))
        .isInstanceOf(ReadOnlyException.class)
        .hasMessage("a resource of kind plain cannot promise that a statement only reads");
    assertThatThrownBy(() -> plain.readOnlyConnection(null)).isInstanceOf(ReadOnlyException.class);
  }

  @Test
  void whatItCannotTellLeavesTheDaemonToPlainJdbc() throws Exception {
    try (AutoCloseable exposed = plain.exposeTables(null, "SELECT * FROM t")) {
      assertThat(exposed).isNotNull();
    }
    assertThat(plain.isOneSelect(null, "SELECT 1")).isFalse(); // so describe runs nothing that could fail
    assertThat(plain.arrowResult(null, null, 1)).isNull();
    assertThat(plain.tableSchemasByQuery()).isFalse();
    assertThat(plain.sqlInfo(null)).isEmpty();
  }
}
