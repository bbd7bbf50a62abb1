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
import dev.kapu.client.launch.SgeLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grid Engine launcher against a real one-node Grid Engine on this machine ({@code
 * .ci/setup-sge.sh} installs Debian's packages, configures and starts it): workers are tasks of
 * {@code qsub -t} job arrays. Fails, rather than skips, when no Grid Engine answers; set {@code
 * KAPU_SKIP_SGE_TESTS=1} to skip on purpose.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SgeTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  /** One job task in {@code qstat -xml -g d}: its number, its full name, its state, its task. */
  private static final Pattern JOB = Pattern.compile("<job_list[^>]*>.*?<JB_job_number>(\\d+)</JB_job_number>"
      + ".*?<JB_name>([^<]*)</JB_name>.*?<state>([^<]*)</state>.*?(?:<tasks>([^<]*)</tasks>.*?)?</job_list>",
      Pattern.DOTALL);

  @TempDir Path dir;

  @BeforeAll
  static void requireAGridEngine() throws Exception {
    Assumptions.assumeFalse("1".equals(System.getenv("KAPU_SKIP_SGE_TESTS")),
        "KAPU_SKIP_SGE_TESTS=1: Grid Engine tests skipped on purpose");
    String queues;
    try {
      queues = run("qstat", "-f", "-q", "all.q");
    } catch (Exception e) {
      throw new AssertionError("no Grid Engine (" + e.getMessage() + "): run .ci/setup-sge.sh as root"
          + " (CI's .ci/run does), or set KAPU_SKIP_SGE_TESTS=1 to skip these tests", e);
    }
    assertThat(queues).as("all.q's instances (run .ci/setup-sge.sh)").containsPattern("(?m)^all\\.q@\\S+ +B");
  }

  /**
   * The tasks of jobs named {@code jobName} that qstat still lists, as {@code <job>.<task> <state>}
   * (from its XML, since its table cuts names to 10 characters).
   */
  static List<String> queued(String jobName) {
    try {
      List<String> tasks = new ArrayList<>();
      Matcher m = JOB.matcher(run("qstat", "-xml", "-g", "d"));
      while (m.find()) {
        if (m.group(2).equals(jobName)) {
          tasks.add(m.group(1) + "." + m.group(4) + " " + m.group(3));
        }
      }
      return tasks;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void gridEngineJobsBecomeWorkersFromZeroAndLeaveWhenIdle() throws Exception {
    String name = "sge" + UUID.randomUUID().toString().substring(0, 6);
    String job = "kapu-" + name;
    // Built through the ServiceLoader, from settings as a config file would give them.
    Launcher sge = Launchers.create("sge", Map.of("queue", "all.q", "cpus", "1", "memory", "6G",
        "time", "600", "script", "export KAPU_FROM_SCRIPT=yes"));
    try (Controller c = Controller.builder().name(name).launcher(sge).jvmOptions(SMALL_WORKER)
        .maxWorkers(2).idle(Duration.ofSeconds(3)).launchTimeout(Duration.ofSeconds(90))
        .directory(dir.resolve("controller")).keepDirectory(true).build()) {
      try {
        runTwoTasksOnGridEngineWorkers(c, name, job);
      } catch (AssertionError e) {
        dumpLogs(c.directory());
        System.err.println("==== summary: " + c.summary());
        c.collect().forEach(r -> System.err.println("==== result: " + r));
        throw e;
      }
    }
  }

  private void runTwoTasksOnGridEngineWorkers(Controller c, String name, String job) throws Exception {
    String started = dir.resolve("started").toString();
    String release = dir.resolve("release").toString();
    assertThat(queued(job)).isEmpty();
    // walk() pushes both before autoscaling looks, so one qsub -t 1-2 starts both workers.
    c.walk("job", List.of(0, 1), i -> holdUntilReleased(started, "job" + i, release, 90_000)
        + "|" + System.getenv("JOB_ID") + "|" + System.getenv("SGE_TASK_ID") + "|" + System.getenv("QUEUE")
        + "|" + System.getenv("NSLOTS") + "|" + System.getenv("KAPU_FROM_SCRIPT")
        + "|" + addressSpaceLimit() + "|" + TaskContext.current().daemonId());
    await("two tasks running on Grid Engine workers", WAIT, () -> count(Path.of(started)) == 2);
    List<String> running = queued(job);
    System.out.println("qstat while the tasks run: " + running);
    assertThat(running).hasSize(2).allMatch(l -> l.endsWith(" r"));
    touch(Path.of(release));
    assertThat(c.waitAll(WAIT)).isTrue();

    List<TaskResult> results = c.collect();
    assertThat(results).extracting(TaskResult::name).containsExactlyInAnyOrder("job-0", "job-1");
    List<String[]> seen = results.stream()
        .peek(r -> assertThat(r.status()).as(r.name() + ": " + r.error()).isEqualTo(TaskResult.Status.SUCCEEDED))
        .map(r -> ((String) r.value()).split("\\|")).toList();
    assertThat(seen).hasSize(2);
    assertThat(seen.stream().map(v -> v[1]).collect(Collectors.toSet())).as("one job array").singleElement()
        .matches(id -> id.matches("\\d+"));
    assertThat(seen.stream().map(v -> v[2]).collect(Collectors.toSet())).containsExactlyInAnyOrder("1", "2");
    assertThat(seen).as("the queue asked for").allMatch(v -> v[3].equals("all.q"));
    assertThat(seen).as("-pe smp 1").allMatch(v -> v[4].equals("1"));
    assertThat(seen).as("the script's own lines ran first").allMatch(v -> v[5].equals("yes"));
    assertThat(seen).as("-l h_vmem=6G, Grid Engine's limit on the worker").allMatch(v -> v[6].equals("6442450944"));
    assertThat(seen.stream().map(v -> v[7]).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(name + "-1", name + "-2");
    String script = Files.readString(c.directory().resolve("sge-" + name + "-1.sh"));
    assertThat(script).contains("#$ -q all.q\n", "#$ -pe smp 1\n", "#$ -l h_vmem=6G\n", "#$ -l h_rt=600\n");

    await("Grid Engine workers gone after their idle time", WAIT, () -> c.status().daemons().isEmpty());
    await("qstat lists their jobs no more", WAIT, () -> queued(job).isEmpty());
    ControllerSummary s = c.summary();
    assertThat(s.launcher()).isEqualTo("sge");
    assertThat(s.launched()).isEqualTo(2);
    assertThat(s.workers()).allMatch(w -> w.state() == WorkerSummary.State.EXITED && w.tasks() == 1);
    assertThat(s.workers()).as("CPU each worker reported of itself").allMatch(w -> w.cpuSeconds().isPresent());
  }

  /** The address-space limit this process runs under (Grid Engine sets it from h_vmem), in bytes. */
  private static String addressSpaceLimit() throws Exception {
    return Files.readAllLines(Path.of("/proc/self/limits")).stream().filter(l -> l.startsWith("Max address space"))
        .map(l -> l.split("\\s{2,}")[1]).findFirst().orElse("?");
  }

  @Test
  void aRunningWorkerIsStoppedWithQdelWhenTheControllerCloses() throws Exception {
    String name = "close" + UUID.randomUUID().toString().substring(0, 6);
    String job = "kapu-" + name;
    try (Controller c = Controller.builder().name(name).launcher(SgeLauncher.builder().build())
        .jvmOptions(SMALL_WORKER).maxWorkers(1).idle(Duration.ofMinutes(10)).launchTimeout(WAIT).build()) {
      c.push("one", ctx -> 1);
      assertThat(c.pop(WAIT).orElseThrow().status()).isEqualTo(TaskResult.Status.SUCCEEDED);
      assertThat(c.status().daemons()).as("a worker that stays 10 min idle").hasSize(1);
      assertThat(queued(job)).singleElement().satisfies(l -> assertThat(l).endsWith(" r"));
    }
    await("qdel ended the array's task", WAIT, () -> queued(job).isEmpty());
  }

  @Test
  void aJobStillQueuedWhenItsWindowEndsIsDeleted() throws Exception {
    String name = "queued" + UUID.randomUUID().toString().substring(0, 6);
    String job = "kapu-" + name;
    // Held (-h) in the queue: it can never connect in time.
    SgeLauncher held = SgeLauncher.builder().directive("-h").build();
    try (Controller c = Controller.builder().name(name).launcher(held).maxWorkers(1)
        .launchTimeout(Duration.ofSeconds(3)).launchFailuresMax(1).build()) {
      c.push("waits", ctx -> 1);
      await("the job is queued, held", WAIT, () -> queued(job).stream().anyMatch(l -> l.endsWith(" hqw")));
      TaskResult r = c.pop(WAIT).orElseThrow();
      assertThat(r.status()).isEqualTo(TaskResult.Status.FAILED);
      assertThat(r.error()).isInstanceOf(LaunchException.class).hasMessageContaining("did not connect within 3 s");
      await("qdel removed it from the queue", WAIT, () -> queued(job).isEmpty());
      ControllerSummary s = c.summary();
      assertThat(s.launched()).isEqualTo(1);
      assertThat(s.workers()).singleElement().extracting(WorkerSummary::state).isEqualTo(WorkerSummary.State.FAILED);
    }
  }

  @Test
  void aTaskGridEngineCannotStartIsDeletedWithItsReason() throws Exception {
    String name = "eqw" + UUID.randomUUID().toString().substring(0, 6);
    String job = "kapu-" + name;
    // A log directory the execution host lacks: the task goes into error (Eqw) and would wait forever.
    SgeLauncher noLogs = SgeLauncher.builder().logDirectory(dir.resolve("missing")).build();
    try (Controller c = Controller.builder().name(name).launcher(noLogs).maxWorkers(1).launchTimeout(WAIT)
        .launchFailuresMax(1).build()) {
      c.push("never", ctx -> 1);
      TaskResult r = c.pop(WAIT).orElseThrow();
      assertThat(r.status()).isEqualTo(TaskResult.Status.FAILED);
      String why = c.summary().workers().get(0).note();
      System.out.println("a task in error: " + why);
      assertThat(why).contains("(Eqw)", "error reason", "can't open output file", dir.resolve("missing").toString());
      await("qdel removed it from the queue", WAIT, () -> queued(job).isEmpty());
    }
  }

  @Test
  void qsubRefusalsAreReportedWithGridEnginesOwnWords() throws Exception {
    SgeLauncher noSuchQueue = SgeLauncher.builder().queue("nosuch.q").build();
    try (Controller c = Controller.builder().name("nosuch" + UUID.randomUUID().toString().substring(0, 6))
        .launcher(noSuchQueue).maxWorkers(1).launchFailuresMax(1).build()) {
      c.push("never", ctx -> 1);
      TaskResult r = c.pop(WAIT).orElseThrow();
      assertThat(r.status()).isEqualTo(TaskResult.Status.FAILED);
      System.out.println("a refused qsub: " + r.error().getMessage());
      assertThat(r.error()).hasMessageContaining("qsub failed").hasMessageContaining("nosuch.q");
      assertThat(c.summary().lastLaunchFailure()).contains("qsub");
      assertThat(c.summary().launched()).isZero();
    }
  }

  @Test
  void aMissingQsubIsSaidPlainly() throws Exception {
    SgeLauncher nowhere = SgeLauncher.builder().commands("/nonexistent/bin/qsub", "qstat", "qdel").build();
    try (Controller c = Controller.builder().name("noqsub" + UUID.randomUUID().toString().substring(0, 6))
        .launcher(nowhere).maxWorkers(1).launchFailuresMax(1).build()) {
      c.push("never", ctx -> 1);
      TaskResult r = c.pop(WAIT).orElseThrow();
      assertThat(r.status()).isEqualTo(TaskResult.Status.FAILED);
      System.out.println("no qsub: " + r.error().getMessage());
      assertThat(r.error()).hasMessageContaining("cannot run /nonexistent/bin/qsub (is the scheduler's client"
          + " installed and on the PATH?)").hasMessageContaining("No such file or directory");
      assertThat(r.error().getMessage()).doesNotContain("Exception");
    }
  }
}
