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
      ResourceSpec.pinned("tables", "arrow", Map.of()),
      ResourceSpec.replicated("pg", "jdbc", Map.of("url", "jdbc:postgresql://db/app")));

  /** Stands for the kinds' own notes, which the server's assembly supplies. */
  private final Function<ResourceSpec, String> kindsNote = r -> r.kind() + " note for " + r.name();

  @Test
  void aReplacedDaemonsPinnedResourceGetsItsKindsNote() {
    Function<String, String> loss = ResourceLoss.of(resources, true, kindsNote);
    assertThat(loss.apply("memory")).isEqualTo("duckdb note for memory");
    assertThat(loss.apply("tables")).isEqualTo("arrow note for tables");
    assertThat(loss.apply("pg")).contains("untouched");
    assertThat(loss.apply("unknown")).isEqualTo("run the statement again once a daemon hosts it");
  }

  @Test
  void withoutReplacementOnlyTheLossIsTold() {
    assertThat(ResourceLoss.of(resources, false, kindsNote).apply("memory"))
        .isEqualTo("what its daemon held in memory is gone");
  }
}
