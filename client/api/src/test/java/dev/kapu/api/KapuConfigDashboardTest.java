package dev.kapu.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code dashboard:} section of a kapu.yaml, bound to {@link DashboardConfig}, and its mistakes in words. */
class KapuConfigDashboardTest {
  @TempDir Path dir;

  private Path write(String... lines) throws Exception {
    Path file = dir.resolve("kapu.yaml");
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  @Test
  void aSectionIsBoundAndAnEmptyOneAsksForTheDefaults() throws Exception {
    assertThat(KapuConfig.readDashboard(write("dashboard: { port: 8080, bind: 0.0.0.0 }")))
        .contains(new DashboardConfig(8080, "0.0.0.0"));
    assertThat(KapuConfig.readDashboard(write("dashboard:"))).contains(new DashboardConfig(null, null));
    assertThat(KapuConfig.readDashboard(write("resources:", "  db: { kind: duckdb }"))).isEmpty();
  }

  @Test
  void mistakesNameTheKey() throws Exception {
    assertThatThrownBy(() -> KapuConfig.readDashboard(write("dashboard: { prot: 8080 }")))
        .hasMessageContaining("dashboard has unknown key 'prot' (expected: bind, port)");
    assertThatThrownBy(() -> KapuConfig.readDashboard(write("dashboard: { port: eighty }")))
        .hasMessageContaining("dashboard.port must be a whole number, not 'eighty'");
    assertThatThrownBy(() -> KapuConfig.readDashboard(write("dashboard: { port: 70000 }")))
        .hasMessageContaining("dashboard: port must be 0 (any free one) to 65535, not 70000");
    assertThatThrownBy(() -> KapuConfig.readDashboard(write("dashboard: 8080")))
        .hasMessageContaining("'dashboard' must be a mapping");
  }
}
