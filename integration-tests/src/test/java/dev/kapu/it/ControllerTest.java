package dev.kapu.it;

import static dev.kapu.it.ControllerTesting.SMALL_WORKER;
import static dev.kapu.it.ControllerTesting.await;
import static dev.kapu.it.ControllerTesting.commandLinesContaining;
import static dev.kapu.it.ControllerTesting.count;
import static dev.kapu.it.ControllerTesting.firstAttempt;
import static dev.kapu.it.ControllerTesting.holdUntilReleased;
import static dev.kapu.it.ControllerTesting.touch;
import static dev.kapu.it.ControllerTesting.worker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.SerializableCallable;
import dev.kapu.client.controller.Controller;
import dev.kapu.client.controller.ControllerGroup;
import dev.kapu.client.controller.ControllerSummary;
import dev.kapu.client.controller.ControllerTask;
import dev.kapu.client.controller.CrashLimitException;
import dev.kapu.client.controller.TaskResult;
import dev.kapu.client.controller.WorkerSummary;
import dev.kapu.client.launch.CommandLauncher;
import dev.kapu.client.launch.LaunchException;
import dev.kapu.client.launch.Launcher;
import dev.kapu.client.launch.Launchers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Controllers with real worker processes: autoscaling from zero to the demand and back, crashes
 * retried up to the limit and then handed to a backup, groups, the command-template launcher, the
 * connect window, and the ExecutorService over a controller.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ControllerTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void terminate() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Controller.Builder controller(String name) {
    return Controller.builder().name(name).jvmOptions(SMALL_WORKER).launchTimeout(Duration.ofSeconds(60));
  }

  private Controller start(Controller.Builder b) {
    Controller c = b.build();
    open.add(c);
    return c;
  }

  @Test
  void scalesFromZeroToTheDemandButNoFurtherAndBackToZeroWhenIdle() throws Exception {
    Duration idle = Duration.ofSeconds(2);
    Controller c = start(controller("auto").maxWorkers(5).idle(idle));
    String started = dir.resolve("started").toString();
    String release = dir.resolve("release").toString();

    assertThat(c.summary().launched()).isZero();
    assertThat(c.status().daemons()).isEmpty();

    List<ControllerTask<String>> tasks = new ArrayList<>();
    try (ControllerTesting.WorkerWatch watch = new ControllerTesting.WorkerWatch(c)) {
      for (int i = 0; i < 3; i++) {
        String name = "t" + i;
        tasks.add(c.push(name, ctx -> holdUntilReleased(started, name, release, 60_000) + "@" + ctx.daemonId()));
      }
      // All three run at once, so three workers exist at once; the fourth and fifth are never launched.
      await("three tasks running at once", WAIT, () -> count(Path.of(started)) == 3);
      assertThat(c.status().daemons()).hasSize(3);
      assertThat(commandLinesContaining(c.endpoint().token()))
          .as("the token is on no command line").isEmpty();
      touch(Path.of(release));
      assertThat(c.waitAll(WAIT)).isTrue();
      assertThat(watch.maxWorkers.get()).as("most workers at once").isEqualTo(3);
      assertThat(watch.maxConnected.get()).as("most daemons connected at once").isEqualTo(3);
    }
    long resultsAt = System.nanoTime();

    List<TaskResult> results = c.collect();
    assertThat(results).extracting(TaskResult::name).containsExactlyInAnyOrder("t0", "t1", "t2");
    assertThat(results).allMatch(TaskResult::succeeded);
    Set<String> ranOn = results.stream().map(r -> ((String) r.value()).split("@")[1]).collect(Collectors.toSet());
    assertThat(ranOn).hasSize(3);
    assertThat(c.pop()).isEmpty();
    assertThat(tasks.get(0).get()).startsWith("t0@");

    await("every worker gone after its idle time", WAIT, () -> c.status().daemons().isEmpty());
    assertThat(Duration.ofNanos(System.nanoTime() - resultsAt))
        .as("workers waited out their idle time before leaving").isGreaterThan(idle.minusMillis(300));
    await("the controller saw them go", WAIT, () -> c.summary().connected() == 0);

    ControllerSummary s = c.summary();
    assertThat(s.launched()).as("launches: only the missing workers").isEqualTo(3);
    assertThat(s.workers()).hasSize(3).allMatch(w -> w.state() == WorkerSummary.State.EXITED);
    assertThat(s.workers()).allMatch(w -> w.tasks() == 1 && w.errors() == 0 && w.crashes() == 0);
    assertThat(s.workers()).extracting(WorkerSummary::id).containsExactlyInAnyOrderElementsOf(ranOn);
    assertThat(s.secondsBusy()).isPositive();
    assertThat(s.workers()).allMatch(w -> w.cpuSeconds().isPresent() && w.cpuSeconds().getAsDouble() > 0);
    assertThat(s.workers()).allMatch(w -> w.memoryBytes().isPresent() && w.memoryBytes().getAsLong() > 1_000_000);
    assertThat(s.pushed()).isEqualTo(3);
    assertThat(s.unresolved()).isZero();
  }

  @Test
  void aWorkerThatReachesItsTaskLimitLeavesAndIsReplacedWhileWorkRemains() throws Exception {
    Controller c = start(controller("limited").maxWorkers(1).tasksMax(1).idle(Duration.ofSeconds(30)));
    c.push("a", ctx -> ctx.daemonId());
    c.push("b", ctx -> ctx.daemonId());
    assertThat(c.waitAll(WAIT)).isTrue();
    List<Object> ranOn = c.collect().stream().map(TaskResult::value).toList();
    assertThat(ranOn).doesNotHaveDuplicates().hasSize(2);
    await("both workers left", WAIT, () -> c.status().daemons().isEmpty());
    assertThat(c.summary().launched()).isEqualTo(2);
  }

  @Test
  void aCrashedWorkerIsRelaunchedAndItsTaskRetriedWhileAnErrorIsNot() throws Exception {
    Controller c = start(controller("crashy").maxWorkers(1).crashesMax(2).idle(Duration.ofSeconds(30)));
    String marker = dir.resolve("crashed-once").toString();

    ControllerTask<String> task = c.push("once", ctx -> {
      if (firstAttempt(marker)) {
        Runtime.getRuntime().halt(1);
      }
      return ctx.daemonId();
    });
    assertThat(task.get(60, TimeUnit.SECONDS)).isEqualTo("crashy-2");
    TaskResult r = c.pop(WAIT).orElseThrow();
    assertThat(r.status()).isEqualTo(TaskResult.Status.SUCCEEDED);
    assertThat(r.crashes()).isEqualTo(1);
    assertThat(r.lostWorkers()).containsExactly("crashy-1");

    ControllerTask<Object> boom = c.push("boom", ctx -> {
      throw new IllegalStateException("not a crash");
    });
    TaskResult failed = c.pop(WAIT).orElseThrow();
    assertThat(failed.name()).isEqualTo("boom");
    assertThat(failed.status()).isEqualTo(TaskResult.Status.FAILED);
    assertThat(failed.crashes()).isZero();
    assertThat(failed.error()).isInstanceOf(RemoteTaskException.class).hasMessageContaining("not a crash");
    assertThatThrownBy(boom::join).hasCauseInstanceOf(RemoteTaskException.class);

    await("the controller saw the crash", WAIT, () -> worker(c.summary(), "crashy-1").state() == WorkerSummary.State.LOST);
    ControllerSummary s = c.summary();
    assertThat(worker(s, "crashy-1").crashes()).isEqualTo(1);
    assertThat(worker(s, "crashy-1").note()).contains("exited with code 1");
    WorkerSummary second = worker(s, "crashy-2");
    assertThat(second.state()).isEqualTo(WorkerSummary.State.CONNECTED);
    assertThat(second.tasks()).isEqualTo(2);
    assertThat(second.errors()).isEqualTo(1);
    assertThat(s.launched()).isEqualTo(2);
    assertThat(s.crashes()).isEqualTo(1);
  }

  @Test
  void aTaskThatCrashesPastTheLimitGoesToTheBackupController() throws Exception {
    Controller big = start(controller("big").maxWorkers(1).crashesMax(0).idle(Duration.ofSeconds(30)));
    Controller small = start(controller("small").maxWorkers(1).crashesMax(1).backup(big).idle(Duration.ofSeconds(30)));

    // Dies on every worker but the backup's: two crashes on "small" (one allowed), then "big".
    ControllerTask<String> task = small.push("heavy", ctx -> {
      if (!ctx.daemonId().startsWith("big-")) {
        Runtime.getRuntime().halt(1);
      }
      return ctx.daemonId();
    });
    assertThat(task.get(90, TimeUnit.SECONDS)).isEqualTo("big-1");
    TaskResult r = small.pop(WAIT).orElseThrow();
    assertThat(r.controller()).isEqualTo("big");
    assertThat(r.crashes()).isEqualTo(2);
    assertThat(r.lostWorkers()).containsExactly("small-1", "small-2");
    assertThat(big.pop()).as("the result belongs to the controller it was pushed to").isEmpty();

    ControllerSummary s = small.summary();
    assertThat(s.launched()).isEqualTo(2);
    assertThat(s.crashes()).isEqualTo(2);
    assertThat(big.summary().launched()).isEqualTo(1);
  }

  @Test
  void withoutABackupATaskPastTheCrashLimitEndsAsCrashed() throws Exception {
    Controller c = start(controller("fragile").maxWorkers(1).crashesMax(0).idle(Duration.ofSeconds(30)));
    ControllerTask<Object> task = c.push("doomed", ctx -> {
      Runtime.getRuntime().halt(1);
      return null;
    });
    TaskResult r = c.pop(WAIT).orElseThrow();
    assertThat(r.status()).isEqualTo(TaskResult.Status.CRASHED);
    assertThat(r.error()).isInstanceOf(CrashLimitException.class);
    assertThat(((CrashLimitException) r.error()).workers()).containsExactly("fragile-1");
    assertThatThrownBy(() -> task.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(CrashLimitException.class);
    assertThat(c.summary().launched()).as("no relaunch once the task has ended").isEqualTo(1);
  }

  @Test
  void theExecutorServiceWorksOverAController() throws Exception {
    Controller c = start(controller("exec").maxWorkers(2).idle(Duration.ofSeconds(30)));
    ExecutorService executor = c.executor();
    long here = ProcessHandle.current().pid();
    List<SerializableCallable<Long>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      calls.add(() -> ProcessHandle.current().pid());
    }
    List<Future<Long>> futures = executor.invokeAll(calls, 60, TimeUnit.SECONDS);
    Set<Long> pids = new java.util.HashSet<>();
    for (Future<Long> f : futures) {
      pids.add(f.get());
    }
    assertThat(pids).doesNotContain(here).hasSizeBetween(1, 2);
    Set<Long> workerPids = c.status().daemons().stream().map(d -> d.pid()).collect(Collectors.toSet());
    assertThat(workerPids).containsAll(pids);
    assertThat(c.summary().launched()).isBetween(1L, 2L);
    assertThat(executor.invokeAny(calls, 60, TimeUnit.SECONDS)).isIn(workerPids);
    executor.shutdown();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    // The rest of Kapu's API runs on the controller's workers too.
    assertThat(c.map(List.of(1, 2, 3), x -> x * 10).get(60, TimeUnit.SECONDS)).containsExactly(10, 20, 30);
    assertThat(c.submit(ctx -> ctx.daemonId()).get(60, TimeUnit.SECONDS)).startsWith("exec-");
  }

  @Test
  void aGroupSendsEachTaskToTheNamedControllerAndTheTemplateLauncherStartsItsWorkers() throws Exception {
    Controller local = controller("here").maxWorkers(1).idle(Duration.ofSeconds(30)).build();
    Controller templated = controller("templated").maxWorkers(1).idle(Duration.ofSeconds(30))
        .launcher(new CommandLauncher("KAPU_VIA=template exec {command}")).build();
    ControllerGroup group = ControllerGroup.of(local, templated);
    open.add(group);

    group.push("plain", ctx -> System.getenv("KAPU_VIA") + "@" + ctx.daemonId());
    group.push("via", ctx -> System.getenv("KAPU_VIA") + "@" + ctx.daemonId(), "templated");
    assertThat(group.waitAll(WAIT)).isTrue();
    Map<String, Object> values = group.collect().stream()
        .collect(Collectors.toMap(TaskResult::name, TaskResult::value));
    assertThat(values).containsEntry("plain", "null@here-1").containsEntry("via", "template@templated-1");
    assertThat(commandLinesContaining(templated.endpoint().token())).isEmpty();
    assertThat(group.summary().controllers()).extracting(ControllerSummary::launcher).containsExactly("local", "command");
    assertThatThrownBy(() -> group.push("x", ctx -> 1, "nowhere")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aWorkerThatNeverConnectsIsStoppedAfterItsWindowAndWaitingTasksFailInTheEnd() throws Exception {
    Path pids = dir.resolve("pids");
    // Starts something that never dials the dispatcher.
    Launcher silent = new CommandLauncher("echo $$ >> " + pids + "; exec sleep 60");
    Controller c = start(controller("silent").maxWorkers(1).launcher(silent)
        .launchTimeout(Duration.ofMillis(700)).launchFailuresMax(2));
    ControllerTask<Integer> task = c.push("waits", ctx -> 1);

    TaskResult r = c.pop(WAIT).orElseThrow();
    assertThat(r.status()).isEqualTo(TaskResult.Status.FAILED);
    assertThat(r.error()).isInstanceOf(LaunchException.class).hasMessageContaining("did not connect within");
    assertThat(task).isCompletedExceptionally();
    ControllerSummary s = c.summary();
    assertThat(s.launched()).isEqualTo(2);
    assertThat(s.failedLaunches()).isEqualTo(2);
    assertThat(s.workers()).allMatch(w -> w.state() == WorkerSummary.State.FAILED);
    // Each was stopped when its window ran out.
    for (String pid : java.nio.file.Files.readAllLines(pids)) {
      await("launch " + pid + " stopped", Duration.ofSeconds(10),
          () -> ProcessHandle.of(Long.parseLong(pid.strip())).map(p -> !p.isAlive()).orElse(true));
    }
    assertThat(s.workers().stream().max(Comparator.comparing(WorkerSummary::id)).orElseThrow().note())
        .contains("did not connect");
  }

  @Test
  void launchersAreFoundByName() {
    assertThat(Launchers.names()).contains("local", "ssh", "slurm", "sge", "command");
    try (Launcher slurm = Launchers.create("slurm", Map.of("partition", "debug", "memory", "512M",
        "cpus", "1", "time", "600", "script", "module load java\nexport X=1"))) {
      assertThat(slurm.name()).isEqualTo("slurm");
    }
    assertThatThrownBy(() -> Launchers.create("slurm", Map.of("partitoin", "debug")))
        .hasMessageContaining("partitoin");
    assertThatThrownBy(() -> Launchers.create("kubernetes", Map.of())).hasMessageContaining("known");
    assertThatThrownBy(() -> new CommandLauncher("run {comand}")).hasMessageContaining("{comand}");
  }
}
