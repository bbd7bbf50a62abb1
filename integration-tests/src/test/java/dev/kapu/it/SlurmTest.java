package dev.kapu.it;

import static dev.kapu.it.ControllerTesting.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.client.launch.Launcher;
import dev.kapu.client.launch.SlurmLauncher;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;

/**
 * The SLURM launcher against a real one-node cluster on this machine ({@code .ci/setup-slurm.sh}
 * configures and starts it): workers are array tasks of {@code sbatch} jobs; see {@link
 * BatchSchedulerScenario}. Fails, rather than skips, when no cluster answers; set {@code
 * KAPU_SKIP_SLURM_TESTS=1} to skip on purpose.
 */
class SlurmTest extends BatchSchedulerScenario {

  @BeforeAll
  static void requireACluster() {
    String state = requireScheduler("SLURM cluster", "KAPU_SKIP_SLURM_TESTS", ".ci/setup-slurm.sh",
        "sinfo", "-h", "-o", "%T").strip();
    assertThat(state).as("the node's state (run .ci/setup-slurm.sh)")
        .matches("(?s).*(idle|mixed|allocated|completing).*");
  }

  /** Array tasks of jobs named {@code jobName} that squeue still lists, as {@code id state}. */
  static List<String> queued(String jobName) {
    try {
      return run("squeue", "-h", "-r", "-n", jobName, "-o", "%i %T").lines()
          .map(String::strip).filter(l -> !l.isEmpty()).toList();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Override
  String launcher() {
    return "slurm";
  }

  @Override
  Map<String, String> settings() {
    return Map.of("partition", "debug", "cpus", "1", "memory", "512M", "time", "600");
  }

  @Override
  List<String> inTheScript() {
    return List.of("#SBATCH --partition=debug\n", "#SBATCH --cpus-per-task=1\n", "#SBATCH --mem=512M\n",
        "#SBATCH --time=0-00:10:00\n");
  }

  @Override
  List<String> listed(String job) {
    return queued(job);
  }

  @Override
  String running() {
    return "RUNNING";
  }

  @Override
  List<String> taskVariables() {
    return List.of("SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID", "SLURM_JOB_ID");
  }

  @Override
  List<String> taskNumbers() {
    return List.of("0", "1");
  }

  @Override
  void checkTasks(List<Map<String, String>> recorded) {
    assertThat(recorded).as("the tasks ran inside SLURM jobs").allMatch(v -> v.get("SLURM_JOB_ID").matches("\\d+"));
  }

  @Override
  Launcher heldInTheQueue() {
    // Held in the queue for an hour: it can never connect in time.
    return SlurmLauncher.builder().memory("256M").time(Duration.ofMinutes(5)).directive("--begin=now+3600").build();
  }

  @Override
  String held() {
    return "PENDING";
  }

  @Override
  Launcher refused() {
    return SlurmLauncher.builder().memory("100000G").build();
  }

  @Override
  List<String> refusal() {
    return List.of("sbatch failed");
  }
}
