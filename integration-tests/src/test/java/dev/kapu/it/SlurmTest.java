package dev.kapu.it;

import static dev.kapu.it.ControllerTesting.SMALL_WORKER;
import static dev.kapu.it.ControllerTesting.await;
import static dev.kapu.it.ControllerTesting.commandLinesContaining;
import static dev.kapu.it.ControllerTesting.count;
import static dev.kapu.it.ControllerTesting.dumpLogs;
import static dev.kapu.it.ControllerTesting.holdUntilReleased;
import static dev.kapu.it.ControllerTesting.run;
import static dev.kapu.it.ControllerTesting.touch;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.TaskContext;
import dev.kapu.client.controller.Controller;
import dev.kapu.client.controller.ControllerSummary;
import dev.kapu.client.controller.TaskResult;
import dev.kapu.client.controller.WorkerSummary;
import dev.kapu.client.launch.LaunchException;
import dev.kapu.client.launch.Launcher;
import dev.kapu.client.launch.Launchers;
import dev.kapu.client.launch.SlurmLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SLURM launcher against a real one-node cluster on this machine ({@code .ci/setup-slurm.sh}
 * configures and starts it): workers are array tasks of {@code sbatch} jobs. Fails, rather than
 * skips, when no cluster answers; set {@code KAPU_SKIP_SLURM_TESTS=1} to skip on purpose.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SlurmTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dir;

  @BeforeAll
  static void requireACluster() throws Exception {
    Assumptions.assumeFalse("1".equals(System.getenv("KAPU_SKIP_SLURM_TESTS")),
        "KAPU_SKIP_SLURM_TESTS=1: SLURM tests skipped on purpose");
    String state;
    try {
      state = run("sinfo", "-h", "-o", "%T").strip();
    } catch (Exception e) {
      throw new AssertionError("no SLURM cluster (" + e.getMessage() + "): run .ci/setup-slurm.sh as root"
          + " (CI's .ci/run does), or set KAPU_SKIP_SLURM_TESTS=1 to skip these tests", e);
    }
    assertThat(state).as("the node's state (run .ci/setup-slurm.sh)").matches("(?s).*(idle|mixed|allocated|completing).*");
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

  @Test
  void slurmJobsBecomeWorkersFromZeroAndLeaveWhenIdle() throws Exception {
    String name = "slurm" + UUID.randomUUID().toString().substring(0, 6);
    String job = "kapu-" + name;
    // Built through the ServiceLoader, from settings as a config file would give them.
    Launcher slurm = Launchers.create("slurm", Map.of("partition", "debug", "cpus", "1", "memory", "512M",
        "time", "600", "script", "export KAPU_FROM_SCRIPT=yes"));
    // The controller's directory (batch scripts, job logs) lives in the test's, for dumpLogs().
    try (Controller c = Controller.builder().name(name).launcher(slurm).jvmOptions(SMALL_WORKER)
        .maxWorkers(2).idle(Duration.ofSeconds(3)).launchTimeout(Duration.ofSeconds(90))
        .directory(dir.resolve("controller")).keepDirectory(true).build()) {
      try {
        runTwoTasksOnSlurmWorkers(c, name, job);
      } catch (AssertionError e) {
        dumpLogs(c.directory());
        System.err.println("==== summary: " + c.summary());
        c.collect().forEach(r -> System.err.println("==== result: " + r));
        throw e;
      }
    }
  }

  private void runTwoTasksOnSlurmWorkers(Controller c, String name, String job) throws Exception {
    String started = dir.resolve("started").toString();
    String release = dir.resolve("release").toString();
    assertThat(queued(job)).isEmpty();
    // walk() pushes both before autoscaling looks, so one sbatch --array starts both workers.
    c.walk("job", List.of(0, 1), i -> holdUntilReleased(started, "job" + i, release, 90_000)
        + "|" + System.getenv("SLURM_JOB_ID") + "|" + System.getenv("SLURM_ARRAY_JOB_ID")
        + "|" + System.getenv("SLURM_ARRAY_TASK_ID") + "|" + System.getenv("KAPU_FROM_SCRIPT")
        + "|" + TaskContext.current().daemonId());
    await("two tasks running on SLURM workers", WAIT, () -> count(Path.of(started)) == 2);
    assertThat(queued(job)).hasSize(2).allMatch(l -> l.endsWith(" RUNNING"));
    assertThat(commandLinesContaining(c.endpoint().token())).isEmpty();
    touch(Path.of(release));
    assertThat(c.waitAll(WAIT)).isTrue();

    List<TaskResult> results = c.collect();
    assertThat(results).extracting(TaskResult::name).containsExactlyInAnyOrder("job-0", "job-1");
    List<String[]> seen = results.stream()
        .peek(r -> assertThat(r.status()).as(r.name() + ": " + r.error()).isEqualTo(TaskResult.Status.SUCCEEDED))
        .map(r -> ((String) r.value()).split("\\|")).toList();
    assertThat(seen).hasSize(2);
    assertThat(seen).as("the tasks ran inside SLURM jobs").allMatch(v -> v[1].matches("\\d+"));
    assertThat(seen.stream().map(v -> v[2]).collect(Collectors.toSet())).as("one job array").hasSize(1);
    assertThat(seen.stream().map(v -> v[3]).collect(Collectors.toSet())).containsExactlyInAnyOrder("0", "1");
    assertThat(seen).as("the script's own lines ran first").allMatch(v -> v[4].equals("yes"));
    assertThat(seen.stream().map(v -> v[5]).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(name + "-1", name + "-2");

    await("SLURM workers gone after their idle time", WAIT, () -> c.status().daemons().isEmpty());
    await("their jobs ended", WAIT, () -> queued(job).isEmpty());
    ControllerSummary s = c.summary();
    assertThat(s.launcher()).isEqualTo("slurm");
    assertThat(s.launched()).isEqualTo(2);
    assertThat(s.workers()).allMatch(w -> w.state() == WorkerSummary.State.EXITED && w.tasks() == 1);
    assertThat(s.workers()).as("CPU each worker reported of itself").allMatch(w -> w.cpuSeconds().isPresent());
  }

  @Test
  void aJobStillQueuedWhenItsWindowEndsIsCancelled() throws Exception {
    String name = "queued" + UUID.randomUUID().toString().substring(0, 6);
    String job = "kapu-" + name;
    // Held in the queue for an hour: it can never connect in time.
    SlurmLauncher held = SlurmLauncher.builder().memory("256M").time(Duration.ofMinutes(5))
        .directive("--begin=now+3600").build();
    try (Controller c = Controller.builder().name(name).launcher(held).maxWorkers(1)
        .launchTimeout(Duration.ofSeconds(3)).launchFailuresMax(1).build()) {
      c.push("waits", ctx -> 1);
      await("the job is queued", WAIT, () -> queued(job).stream().anyMatch(l -> l.endsWith(" PENDING")));
      TaskResult r = c.pop(WAIT).orElseThrow();
      assertThat(r.status()).isEqualTo(TaskResult.Status.FAILED);
      assertThat(r.error()).isInstanceOf(LaunchException.class).hasMessageContaining("did not connect within 3 s");
      await("scancel removed it from the queue", WAIT, () -> queued(job).isEmpty());
      ControllerSummary s = c.summary();
      assertThat(s.launched()).isEqualTo(1);
      assertThat(s.workers()).singleElement().extracting(WorkerSummary::state).isEqualTo(WorkerSummary.State.FAILED);
    }
  }

  @Test
  void sbatchRefusalsAreReportedWithSbatchsOwnWords() throws Exception {
    SlurmLauncher tooBig = SlurmLauncher.builder().memory("100000G").build();
    try (Controller c = Controller.builder().name("toobig" + UUID.randomUUID().toString().substring(0, 6))
        .launcher(tooBig).maxWorkers(1).launchFailuresMax(1).build()) {
      c.push("never", ctx -> 1);
      TaskResult r = c.pop(WAIT).orElseThrow();
      assertThat(r.status()).isEqualTo(TaskResult.Status.FAILED);
      assertThat(r.error()).hasMessageContaining("sbatch failed");
      assertThat(c.summary().lastLaunchFailure()).contains("sbatch");
      assertThat(c.summary().launched()).isZero();
    }
  }
}
