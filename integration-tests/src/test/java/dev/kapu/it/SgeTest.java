package dev.kapu.it;

import static dev.kapu.it.ControllerTesting.SMALL_WORKER;
import static dev.kapu.it.ControllerTesting.await;
import static dev.kapu.it.ControllerTesting.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.client.controller.Controller;
import dev.kapu.client.controller.TaskResult;
import dev.kapu.client.launch.Launcher;
import dev.kapu.client.launch.SgeLauncher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Grid Engine launcher against a real one-node Grid Engine on this machine ({@code
 * .ci/setup-sge.sh} installs Debian's packages, configures and starts it): workers are tasks of
 * {@code qsub -t} job arrays; see {@link BatchSchedulerScenario}. Beyond it: qdel stops a running
 * worker when its controller closes, a task Grid Engine cannot start is deleted with its reason,
 * and a missing qsub is said plainly. Fails, rather than skips, when no Grid Engine answers; set
 * {@code KAPU_SKIP_SGE_TESTS=1} to skip on purpose.
 */
class SgeTest extends BatchSchedulerScenario {
  /** One job task in {@code qstat -xml -g d}: its number, its full name, its state, its task. */
  private static final Pattern JOB = Pattern.compile("<job_list[^>]*>.*?<JB_job_number>(\\d+)</JB_job_number>"
      + ".*?<JB_name>([^<]*)</JB_name>.*?<state>([^<]*)</state>.*?(?:<tasks>([^<]*)</tasks>.*?)?</job_list>",
      Pattern.DOTALL);

  @BeforeAll
  static void requireAGridEngine() {
    String queues = requireScheduler("Grid Engine", "KAPU_SKIP_SGE_TESTS", ".ci/setup-sge.sh",
        "qstat", "-f", "-q", "all.q");
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

  @Override
  String launcher() {
    return "sge";
  }

  @Override
  Map<String, String> settings() {
    return Map.of("queue", "all.q", "cpus", "1", "memory", "6G", "time", "600");
  }

  @Override
  List<String> inTheScript() {
    return List.of("#$ -S /bin/bash\n", "#$ -q all.q\n", "#$ -pe smp 1\n", "#$ -l h_vmem=6G\n", "#$ -l h_rt=600\n");
  }

  @Override
  List<String> listed(String job) {
    return queued(job);
  }

  @Override
  String running() {
    return "r";
  }

  @Override
  List<String> taskVariables() {
    return List.of("JOB_ID", "SGE_TASK_ID", "QUEUE", "NSLOTS");
  }

  @Override
  List<String> taskNumbers() {
    return List.of("1", "2");
  }

  @Override
  void checkTasks(List<Map<String, String>> recorded) {
    assertThat(recorded).as("the queue asked for").allMatch(v -> v.get("QUEUE").equals("all.q"));
    assertThat(recorded).as("-pe smp 1").allMatch(v -> v.get("NSLOTS").equals("1"));
    assertThat(recorded).as("-l h_vmem=6G, Grid Engine's limit on the worker")
        .allMatch(v -> v.get("limit").equals("6442450944"));
  }

  @Override
  Launcher heldInTheQueue() {
    // Held (-h): it waits until released, so it never connects in time.
    return SgeLauncher.builder().directive("-h").build();
  }

  @Override
  String held() {
    return "hqw";
  }

  @Override
  Launcher refused() {
    return SgeLauncher.builder().queue("nosuch.q").build();
  }

  @Override
  List<String> refusal() {
    return List.of("qsub failed (exit 1): Unable to run job", "unknown queue \"nosuch.q\"");
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
      await("qstat lists the task running (not still t)", WAIT, () -> {
        List<String> tasks = queued(job);
        return tasks.size() == 1 && tasks.get(0).endsWith(" r");
      });
    }
    await("qdel ended the array's task", WAIT, () -> queued(job).isEmpty());
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
