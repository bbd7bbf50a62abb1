package dev.kapu.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.ResourceSpec;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ResourceLossTest {
  private final List<ResourceSpec> resources = List.of(
      ResourceSpec.pinned("memory", "duckdb", Map.of()),
      ResourceSpec.pinned("file", "duckdb", Map.of("path", "/data/kept.duckdb")),
      ResourceSpec.pinned("tables", "arrow", Map.of()),
      ResourceSpec.replicated("pg", "jdbc", Map.of("url", "jdbc:postgresql://db/app")));

  @Test
  void aReplacedDaemonBringsBackAnEmptyMemoryDatabaseAndAFileWithWhatWasCommitted() {
    Function<String, String> loss = ResourceLoss.of(resources, true);
    assertThat(loss.apply("memory")).isEqualTo("the in-memory database was lost and is being restarted empty");
    assertThat(loss.apply("file")).startsWith("the database is being reopened from its file with what was committed");
    assertThat(loss.apply("tables")).contains("tables were lost");
    assertThat(loss.apply("pg")).contains("untouched");
  }

  @Test
  void withoutReplacementOnlyTheLossIsTold() {
    assertThat(ResourceLoss.of(resources, false).apply("memory")).isEqualTo("what its daemon held in memory is gone");
  }
}
