package dev.kapu.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code controller:} section of a kapu.yaml, bound to {@link ControllerConfig}, and its mistakes in words. */
class KapuConfigControllerTest {
  @TempDir Path dir;

  private Path write(String... lines) throws Exception {
    Path file = dir.resolve("kapu.yaml");
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  @Test
  void aFullSectionIsBoundWithListsOneALine() throws Exception {
    Path file = write(
        "resources:",
        "  warehouse: { kind: duckdb }",
        "controller:",
        "  launcher: slurm",
        "  settings:",
        "    partition: debug",
        "    cpus: 2",
        "    script: [\"module load java/17\", \"export A=b\"]",
        "  maxWorkers: 3",
        "  idleSeconds: 0",
        "  slots: 2",
        "  launchTimeoutSeconds: 120",
        "  directory: /shared/kapu",
        "  jvmOptions: [-Xmx1g]");
    ControllerConfig c = KapuConfig.readController(file).orElseThrow();
    assertThat(c).isEqualTo(new ControllerConfig("slurm",
        Map.of("partition", "debug", "cpus", "2", "script", "module load java/17\nexport A=b"),
        3, 0L, 2, 120L, Path.of("/shared/kapu"), List.of("-Xmx1g")));
    assertThat(c.settings().keySet()).as("file order").containsExactly("partition", "cpus", "script");
    assertThat(KapuConfig.readResources(file)).extracting(ResourceSpec::name).containsExactly("warehouse");
  }

  @Test
  void whatTheSectionLeavesOutIsNullOrEmpty() throws Exception {
    ControllerConfig c = KapuConfig.readController(write("controller: { launcher: local }")).orElseThrow();
    assertThat(c).isEqualTo(new ControllerConfig("local", Map.of(), null, null, null, null, null, List.of()));
    assertThat(KapuConfig.readController(write("resources: { w: { kind: duckdb } }"))).isEmpty();
  }

  @Test
  void anUnknownKeyIsNamedWithTheKnownOnes() throws Exception {
    Path file = write("controller: { launcher: slurm, maxWorker: 2 }");
    assertThatThrownBy(() -> KapuConfig.readController(file)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(file + ": controller has unknown key 'maxWorker' (expected: directory, idleSeconds,"
            + " jvmOptions, launchTimeoutSeconds, launcher, maxWorkers, settings, slots)");
  }

  @Test
  void aValueOfTheWrongTypeIsNamedByItsKey() throws Exception {
    Path words = write("controller: { launcher: slurm, maxWorkers: two }");
    assertThatThrownBy(() -> KapuConfig.readController(words))
        .hasMessage(words + ": controller.maxWorkers must be a whole number, not 'two'");
    Path nested = write("controller: { launcher: slurm, settings: { partition: { name: debug } } }");
    assertThatThrownBy(() -> KapuConfig.readController(nested))
        .hasMessage(nested + ": controller.settings.partition must be a value or a list of values");
    Path list = write("controller: { launcher: slurm, idleSeconds: [1, 2] }");
    assertThatThrownBy(() -> KapuConfig.readController(list))
        .hasMessage(list + ": controller.idleSeconds must be a whole number");
  }

  @Test
  void aMissingLauncherAndNumbersOutOfRangeAreAllNamedAtOnce() throws Exception {
    Path file = write("controller: { maxWorkers: 0, idleSeconds: -1, slots: 0 }");
    assertThatThrownBy(() -> KapuConfig.readController(file)).hasMessage(file + ": controller:"
        + " launcher is missing (local, ssh, slurm, sge or command); maxWorkers must be at least 1, not 0;"
        + " idleSeconds must not be negative (0 keeps daemons), not -1; slots must be at least 1, not 0");
  }

  @Test
  void aSectionThatIsNotAMappingIsRefused() throws Exception {
    Path file = write("controller: slurm");
    assertThatThrownBy(() -> KapuConfig.readController(file)).hasMessageStartingWith(file
        + ": 'controller' must be a mapping with a launcher");
  }
}
