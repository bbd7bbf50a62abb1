package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code kapu serve --controller slurm} configured only from a kapu.yaml, on the one-node SLURM
 * cluster ({@code .ci/setup-slurm.sh}); see {@link ServeOnSchedulerScenario}. A bad section is
 * refused before anything starts.
 */
class SlurmServeTest extends ServeOnSchedulerScenario {

  @BeforeAll
  static void requireACluster() throws Exception {
    SlurmTest.requireACluster();
  }

  @Override
  String launcher() {
    return "slurm";
  }

  @Override
  List<String> settings(String job) {
    return List.of("partition: debug", "cpus: 1", "memory: 512M", "time: 600", "job-name: " + job,
        "script: [\"export KAPU_FROM_SCRIPT=yes\"]");
  }

  @Override
  List<String> queued(String job) {
    return SlurmTest.queued(job);
  }

  @Override
  String running() {
    return " RUNNING";
  }

  @Override
  List<String> inTheScript() {
    return List.of("#SBATCH --partition=debug", "#SBATCH --cpus-per-task=1", "#SBATCH --mem=512M",
        "#SBATCH --time=0-00:10:00", "export KAPU_FROM_SCRIPT=yes");
  }

  @Test
  void aBadControllerSectionIsRefusedBeforeAnythingStarts() throws Exception {
    String job = "kapu-bad-" + UUID.randomUUID().toString().substring(0, 6);
    Path typo = write("typo.yaml",
        "resources: { warehouse: { kind: duckdb } }",
        "controller:",
        "  launcher: slurm",
        "  settings: { partiton: debug, job-name: " + job + " }");
    assertThatThrownBy(() -> ServeProcess.start("--controller", "slurm", "--config", typo.toString(), "--port", "0"))
        .as("its one line of output").hasMessageEndingWith("kapu serve exited:\nkapu serve: " + typo
            + " controller: slurm launcher: unknown setting(s) [partiton]");
    Path words = write("words.yaml",
        "resources: { warehouse: { kind: duckdb } }",
        "controller: { launcher: slurm, maxWorkers: two }");
    assertThatThrownBy(() -> ServeProcess.start("--controller", "slurm", "--config", words.toString(), "--port", "0"))
        .hasMessageEndingWith("kapu serve exited:\nkapu serve: " + words
            + ": controller.maxWorkers must be a whole number, not 'two'");
    assertThat(SlurmTest.queued(job)).as("nothing was submitted").isEmpty();
  }
}
