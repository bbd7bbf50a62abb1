package dev.kapu.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.ResourceSpec;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code kapu serve} hosts without a config: its embedded DuckDB, pinned or replicated read-only. */
class ServedResourcesTest {

  @Test
  void fixedDaemonsPinTheDatabaseToOneOfThem() throws Exception {
    ServedResources inMemory = ServedResources.of(null, null, false);
    assertThat(inMemory.specs()).containsExactly(ResourceSpec.pinned("duckdb", "duckdb", Map.of()));
    assertThat(inMemory.catalogs()).containsExactly("duckdb");
  }

  @Test
  void aControllersDaemonsEachOpenTheFileReadOnly() throws Exception {
    Path file = Path.of("warehouse.duckdb");
    assertThat(ServedResources.of(null, file, true).specs()).containsExactly(ResourceSpec.replicated("duckdb", "duckdb",
        Map.of("path", file.toAbsolutePath().toString(), "readOnly", "true")));
  }
}
