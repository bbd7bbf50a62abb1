package dev.kapu.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code kapu serve} serves its dashboard: the flags over the config's dashboard: section, loopback by default. */
class ServeDashboardTest {
  @TempDir Path dir;

  @Test
  void noDashboardUnlessAskedFor() throws Exception {
    assertThat(ServeDashboard.address(null, null, null)).isEmpty();
    assertThat(ServeDashboard.address(null, null, config("resources:", "  db: { kind: duckdb }"))).isEmpty();
  }

  @Test
  void theFlagAloneListensOnLoopbackAtTheDefaultPort() throws Exception {
    assertThat(ServeDashboard.address(ServeDashboard.DEFAULT_PORT, null, null))
        .contains(new InetSocketAddress("127.0.0.1", 31338));
    assertThat(ServeDashboard.address(0, "0.0.0.0", null)).contains(new InetSocketAddress("0.0.0.0", 0));
  }

  @Test
  void theConfigsSectionAsksForOneAndTheFlagsOverrideIt() throws Exception {
    Path config = config("dashboard: { port: 8090, bind: 0.0.0.0 }");
    assertThat(ServeDashboard.address(null, null, config)).contains(new InetSocketAddress("0.0.0.0", 8090));
    assertThat(ServeDashboard.address(9000, "127.0.0.1", config)).contains(new InetSocketAddress("127.0.0.1", 9000));
    assertThat(ServeDashboard.address(null, null, config("dashboard:"))).contains(new InetSocketAddress("127.0.0.1", 31338));
  }

  @Test
  void refusals() throws Exception {
    assertThatThrownBy(() -> ServeDashboard.address(null, "0.0.0.0", null)).isInstanceOf(ServeRefusal.class)
        .hasMessage("--dashboard-bind needs --dashboard (or a dashboard: section in the config)");
    assertThatThrownBy(() -> ServeDashboard.address(70000, null, null)).isInstanceOf(ServeRefusal.class)
        .hasMessage("--dashboard port must be 0 (any free one) to 65535, not 70000");
    assertThatThrownBy(() -> ServeDashboard.address(null, null, config("dashboard: { port: x }")))
        .isInstanceOf(ServeRefusal.class).hasMessageContaining("dashboard.port must be a whole number, not 'x'");
  }

  @Test
  void theCommandLineRefusesBeforeStartingAnything() {
    assertThat(CliRun.of("serve", "--dashboard-bind", "0.0.0.0"))
        .isEqualTo(new CliRun(2, "kapu serve: --dashboard-bind needs --dashboard (or a dashboard: section in the config)\n"));
  }

  private Path config(String... lines) throws Exception {
    Path file = dir.resolve("kapu.yaml");
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }
}
