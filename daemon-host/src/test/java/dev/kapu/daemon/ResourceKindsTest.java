package dev.kapu.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.ResourceSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the installed kinds (duckdb, jdbc, adbc, arrow) tell a server about its resources, without opening any. */
class ResourceKindsTest {
  private static final ResourceSpec MEMORY = ResourceSpec.pinned("memory", "duckdb", Map.of());
  private static final ResourceSpec FILE = ResourceSpec.pinned("file", "duckdb", Map.of("path", "/data/kept.duckdb"));
  private static final ResourceSpec SHARED = ResourceSpec.replicated("shared", "duckdb", Map.of("readOnly", "true"));
  private static final ResourceSpec TABLES = ResourceSpec.pinned("tables", "arrow", Map.of("memoryLimit", "64MB"));
  private static final ResourceSpec PG = ResourceSpec.replicated("pg", "jdbc", Map.of("url", "jdbc:postgresql://db/app"));
  private static final ResourceSpec REMOTE = ResourceSpec.replicated("remote", "adbc", Map.of());
  private static final ResourceSpec PLUGIN = ResourceSpec.pinned("plugin", "not-installed-here", Map.of());

  @Test
  void sqlCatalogsAreTheKindsThatServeCatalogMetadata() {
    assertThat(ResourceKinds.sqlCatalogs(List.of(TABLES, MEMORY, PG, REMOTE, PLUGIN))).containsExactly("memory", "pg");
  }

  @Test
  void uploadsGoWithAPinnedHolderThenAPinnedQuerierThenAnyQuerier() {
    assertThat(ResourceKinds.uploadResource(List.of(MEMORY, TABLES))).isEqualTo("tables");
    assertThat(ResourceKinds.uploadResource(List.of(PG, SHARED, MEMORY))).isEqualTo("memory");
    assertThat(ResourceKinds.uploadResource(List.of(PG, SHARED))).isEqualTo("shared");
    assertThat(ResourceKinds.uploadResource(List.of(PG, REMOTE, PLUGIN))).isNull();
    // a replicated arrow resource does not say where the tables are
    assertThat(ResourceKinds.uploadResource(List.of(ResourceSpec.replicated("t", "arrow", Map.of())))).isNull();
  }

  @Test
  void aReopenedResourceIsDescribedByItsKind() {
    assertThat(ResourceKinds.reopenedNote(MEMORY)).isEqualTo("the in-memory database was lost and is being restarted empty");
    assertThat(ResourceKinds.reopenedNote(FILE)).startsWith("the database is being reopened from its file with what was committed");
    assertThat(ResourceKinds.reopenedNote(TABLES)).contains("tables were lost");
    assertThat(ResourceKinds.reopenedNote(PLUGIN)).isEqualTo(ResourceKinds.reopenedNote(PG))
        .isEqualTo("it is being reopened on a new daemon, with what its daemon held in memory lost");
  }

  @Test
  void theArrowResourceBoundsTheDaemonsTables() {
    assertThat(ResourceKinds.tableMemoryLimit(List.of(MEMORY, PG))).isEqualTo(Long.MAX_VALUE);
    assertThat(ResourceKinds.tableMemoryLimit(List.of(MEMORY, TABLES))).isEqualTo(64L << 20);
    assertThat(ResourceKinds.tableMemoryLimit(List.of(ResourceSpec.pinned("t", "arrow", Map.of("memoryLimit", "1.5 GiB")))))
        .isEqualTo(3L << 29);
    assertThatThrownBy(() -> ResourceKinds.tableMemoryLimit(List.of(ResourceSpec.pinned("t", "arrow",
        Map.of("memoryLimit", "lots"))))).hasMessage("resource 't': memoryLimit 'lots' is not a size such as 512MB");
  }
}
