package dev.kapu.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.ControllerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** kapu.yaml's controller: section with {@code kapu serve}'s flags over it. */
class ServeControllerTest {
  private static final Path CONFIG = Path.of("kapu.yaml");
  private static final ControllerConfig SLURM = new ControllerConfig("slurm",
      Map.of("partition", "debug", "memory", "1G"), 3, 30L, null, 120L, Path.of("/shared"), List.of("-Xmx256m"));

  private static ServeController.Flags flags(String launcher, Map<String, String> settings, Integer maxWorkers) {
    return new ServeController.Flags(launcher, settings, maxWorkers, null, null);
  }

  @Test
  void theFileAloneConfiguresTheControllerWithDefaultsForWhatItLeavesOut() throws Exception {
    ControllerConfig merged = ServeController.merge(flags(null, null, null), SLURM, CONFIG);
    assertThat(merged).isEqualTo(new ControllerConfig("slurm", SLURM.settings(), 3, 30L,
        ServeController.DEFAULT_SLOTS, 120L, Path.of("/shared"), List.of("-Xmx256m")));
  }

  @Test
  void flagsOverrideTheFileSettingBySetting() throws Exception {
    ControllerConfig merged = ServeController.merge(
        new ServeController.Flags("slurm", Map.of("memory", "2G"), 5, 0L, 8), SLURM, CONFIG);
    assertThat(merged.settings()).isEqualTo(Map.of("partition", "debug", "memory", "2G"));
    assertThat(merged.maxWorkers()).isEqualTo(5);
    assertThat(merged.idleSeconds()).isZero();
    assertThat(merged.slots()).isEqualTo(8);
  }

  @Test
  void anotherLauncherOnTheCommandLineCannotTakeTheFilesSettings() {
    assertThatThrownBy(() -> ServeController.merge(flags("ssh", null, null), SLURM, CONFIG))
        .isInstanceOf(ServeRefusal.class)
        .hasMessage("--controller ssh replaces the slurm launcher of kapu.yaml, whose settings are for slurm:"
            + " remove them there or drop --controller");
  }

  @Test
  void theLauncherIsMadeFromTheMergedSettingsAndItsRefusalNamesTheFile() throws Exception {
    ServeController c = ServeController.of(flags(null, null, null), Optional.of(SLURM), CONFIG).orElseThrow();
    assertThat(c.launcher().name()).isEqualTo("slurm");
    assertThat(c.idle()).isEqualTo(Duration.ofSeconds(30));
    ControllerConfig typo = new ControllerConfig("slurm", Map.of("partitin", "debug"), null, null, null, null, null, null);
    assertThatThrownBy(() -> ServeController.of(flags(null, null, null), Optional.of(typo), CONFIG))
        .hasMessage("kapu.yaml controller: slurm launcher: unknown setting(s) [partitin]");
    ControllerConfig cpus = new ControllerConfig("slurm", Map.of("cpus", "many"), null, null, null, null, null, null);
    assertThatThrownBy(() -> ServeController.of(flags(null, null, null), Optional.of(cpus), CONFIG))
        .hasMessage("kapu.yaml controller: slurm launcher: cpus must be a whole number, not 'many'");
  }

  @Test
  void noControllerWithoutAFlagOrASection() throws Exception {
    assertThat(ServeController.of(flags(null, null, null), Optional.empty(), null)).isEmpty();
    assertThatThrownBy(() -> ServeController.of(flags(null, null, 4), Optional.empty(), null))
        .hasMessageStartingWith("--max-workers, --idle-seconds and --launcher-setting need --controller");
  }
}
