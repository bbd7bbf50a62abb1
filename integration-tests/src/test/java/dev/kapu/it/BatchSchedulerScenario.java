package dev.kapu.it;

import static dev.kapu.it.ControllerTesting.SMALL_WORKER;
import static dev.kapu.it.ControllerTesting.await;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch scheduler's launcher against a real one-node scheduler on this machine (set up by
 * {@code .ci/run}): a controller scales from 0 to 2 workers, array tasks of one job, which run real
 * tasks and leave when idle, back to 0 with the scheduler listing nothing; a job that waits in the
 * queue past its launch window is stopped; a submission the scheduler refuses is reported in its
 * own words. Each scheduler's test says how to configure and watch its own.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
abstract class BatchSchedulerScenario {
  static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dir;

  /**
   * Runs {@code command}, the scheduler's status, and returns what it printed; fails, rather than
   * skips, when it cannot, unless the environment variable {@code skip} is 1.
   */
  static String requireScheduler(String scheduler, String skip, String setup, String... command) {
    Assumptions.assumeFalse("1".equals(System.getenv(skip)), skip + "=1: " + scheduler + " tests skipped on purpose");
    try {
      return run(command);
    } catch (Exception e) {
      throw new AssertionError("no " + scheduler + " (" + e.getMessage() + "): run " + setup + " as root"
          + " (CI's .ci/run does), or set " + skip + "=1 to skip these tests", e);
    }
  }

  /** The launcher's name, for {@link Launchers#create}. */
  abstract String launcher();

  /** Its settings for workers of one core; the scenario adds a {@code script} line. */
  abstract Map<String, String> settings();

  /** What the job script must contain, from {@link #settings}. */
  abstract List<String> inTheScript();

  /** The tasks of jobs named {@code job} that the scheduler still lists, as {@code <task> <state>}. */
  abstract List<String> listed(String job);

  /** A running task's state in {@link #listed}. */
  abstract String running();

  /**
   * The environment variables a task records: the job's id, the array task's number, then any
   * the scheduler's own checks want.
   */
  abstract List<String> taskVariables();

  /** The array task numbers of a two-worker job. */
  abstract List<String> taskNumbers();

  /** The scheduler's own checks of what each task recorded: its variables and {@code limit}. */
  abstract void checkTasks(List<Map<String, String>> recorded);

  /** A launcher whose job waits in the queue far longer than a few seconds. */
  abstract Launcher heldInTheQueue();

  /** That job's state in {@link #listed}. */
  abstract String held();

  /** A launcher whose submission the scheduler refuses, and words of that refusal. */
  abstract Launcher refused();

  abstract List<String> refusal();

  @Test
  void jobsBecomeWorkersFromZeroAndLeaveWhenIdle() throws Exception {
    String name = launcher() + UUID.randomUUID().toString().substring(0, 6);
    Map<String, String> settings = new HashMap<>(settings());
    settings.put("script", "export KAPU_FROM_SCRIPT=yes");
    // Built through the ServiceLoader, from settings as a config file would give them.
    Launcher launcher = Launchers.create(launcher(), settings);
    // The controller's directory (batch scripts, job logs) lives in the test's, for dumpLogs().
    try (Controller c = Controller.builder().name(name).launcher(launcher).jvmOptions(SMALL_WORKER)
        .maxWorkers(2).idle(Duration.ofSeconds(3)).launchTimeout(Duration.ofSeconds(90))
        .directory(dir.resolve("controller")).keepDirectory(true).build()) {
      try {
        runTwoTasksOnWorkers(c, name, "kapu-" + name);
      } catch (AssertionError e) {
        dumpLogs(c.directory());
        System.err.println("==== summary: " + c.summary());
        c.collect().forEach(r -> System.err.println("==== result: " + r));
        throw e;
      }
    }
  }

  private void runTwoTasksOnWorkers(Controller c, String name, String job) throws Exception {
    String started = dir.resolve("started").toString();
    String release = dir.resolve("release").toString();
    List<String> variables = Stream.concat(taskVariables().stream(), Stream.of("KAPU_FROM_SCRIPT")).toList();
    assertThat(listed(job)).isEmpty();
    // walk() pushes both before autoscaling looks, so one submission of an array starts both workers.
    c.walk("job", List.of(0, 1), i -> {
      holdUntilReleased(started, "job" + i, release, 90_000);
      HashMap<String, String> recorded = new HashMap<>();
      variables.forEach(v -> recorded.put(v, String.valueOf(System.getenv(v))));
      recorded.put("limit", addressSpaceLimit());
      recorded.put("daemon", TaskContext.current().daemonId());
      return recorded;
    });
    await("two tasks running on " + launcher() + " workers", WAIT, () -> count(Path.of(started)) == 2);
    // The scheduler may list a task that has started as still starting (Grid Engine's t) for a moment.
    await("the scheduler lists both tasks running", WAIT,
        () -> listed(job).stream().filter(l -> l.endsWith(" " + running())).count() == 2);
    System.out.println("the scheduler's list while the tasks run: " + listed(job));
    assertThat(ControllerTesting.commandLinesContaining(c.endpoint().token())).isEmpty();
    touch(Path.of(release));
    assertThat(c.waitAll(WAIT)).isTrue();

    List<TaskResult> results = c.collect();
    assertThat(results).extracting(TaskResult::name).containsExactlyInAnyOrder("job-0", "job-1");
    @SuppressWarnings("unchecked")
    List<Map<String, String>> recorded = results.stream()
        .peek(r -> assertThat(r.status()).as(r.name() + ": " + r.error()).isEqualTo(TaskResult.Status.SUCCEEDED))
        .map(r -> (Map<String, String>) r.value()).toList();
    assertThat(recorded).hasSize(2);
    String jobId = taskVariables().get(0);
    String task = taskVariables().get(1);
    assertThat(recorded.stream().map(v -> v.get(jobId)).collect(Collectors.toSet())).as("one job array")
        .singleElement().matches(id -> id.matches("\\d+"));
    assertThat(recorded.stream().map(v -> v.get(task)).toList()).containsExactlyInAnyOrderElementsOf(taskNumbers());
    assertThat(recorded).as("the script's own lines ran first").allMatch(v -> v.get("KAPU_FROM_SCRIPT").equals("yes"));
    assertThat(recorded.stream().map(v -> v.get("daemon")).toList())
        .containsExactlyInAnyOrder(name + "-1", name + "-2");
    checkTasks(recorded);
    try (Stream<Path> files = Files.list(c.directory())) {
      List<Path> scripts = files.filter(p -> p.toString().endsWith(".sh")).toList();
      assertThat(scripts).as("one job script for both workers").singleElement();
      assertThat(Files.readString(scripts.get(0))).contains(inTheScript());
    }

    await(launcher() + " workers gone after their idle time", WAIT, () -> c.status().daemons().isEmpty());
    await("their jobs ended", WAIT, () -> listed(job).isEmpty());
    ControllerSummary s = c.summary();
    assertThat(s.launcher()).isEqualTo(launcher());
    assertThat(s.launched()).isEqualTo(2);
    assertThat(s.workers()).allMatch(w -> w.state() == WorkerSummary.State.EXITED && w.tasks() == 1);
    assertThat(s.workers()).as("CPU each worker reported of itself").allMatch(w -> w.cpuSeconds().isPresent());
  }

  /** The address-space limit of this process (Grid Engine sets it from h_vmem), as /proc says it. */
  private static String addressSpaceLimit() throws Exception {
    return Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max address space"))
        .map(l -> l.split("\\s{2,}")[1]).findFirst().orElse("?");
  }

  @Test
  void aJobStillQueuedWhenItsWindowEndsIsStopped() throws Exception {
    String name = "queued" + UUID.randomUUID().toString().substring(0, 6);
    String job = "kapu-" + name;
    try (Controller c = Controller.builder().name(name).launcher(heldInTheQueue()).maxWorkers(1)
        .launchTimeout(Duration.ofSeconds(3)).launchFailuresMax(1).build()) {
      c.push("waits", ctx -> 1);
      await("the job is queued", WAIT, () -> listed(job).stream().anyMatch(l -> l.endsWith(" " + held())));
      TaskResult r = c.pop(WAIT).orElseThrow();
      assertThat(r.status()).isEqualTo(TaskResult.Status.FAILED);
      assertThat(r.error()).isInstanceOf(LaunchException.class).hasMessageContaining("did not connect within 3 s");
      await("the launcher removed it from the queue", WAIT, () -> listed(job).isEmpty());
      ControllerSummary s = c.summary();
      assertThat(s.launched()).isEqualTo(1);
      assertThat(s.workers()).singleElement().extracting(WorkerSummary::state).isEqualTo(WorkerSummary.State.FAILED);
    }
  }

  @Test
  void refusalsAreReportedInTheSchedulersOwnWords() throws Exception {
    try (Controller c = Controller.builder().name("refused" + UUID.randomUUID().toString().substring(0, 6))
        .launcher(refused()).maxWorkers(1).launchFailuresMax(1).build()) {
      c.push("never", ctx -> 1);
      TaskResult r = c.pop(WAIT).orElseThrow();
      assertThat(r.status()).isEqualTo(TaskResult.Status.FAILED);
      System.out.println("a refused submission: " + r.error().getMessage());
      assertThat(r.error().getMessage()).contains(refusal());
      assertThat(c.summary().lastLaunchFailure()).contains(refusal().get(0));
      assertThat(c.summary().launched()).isZero();
    }
  }
}
