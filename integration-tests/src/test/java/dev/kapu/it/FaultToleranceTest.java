package dev.kapu.it;

import static dev.kapu.it.Faults.await;
import static dev.kapu.it.Faults.awaitFile;
import static dev.kapu.it.Faults.daemon;
import static dev.kapu.it.Faults.failure;
import static dev.kapu.it.Faults.millisSince;
import static dev.kapu.it.Faults.requireDaemon;
import static dev.kapu.it.Faults.sigkill;
import static dev.kapu.it.Faults.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.DaemonLostException;
import dev.kapu.api.MapException;
import dev.kapu.api.MapOptions;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.TaskOptions;
import dev.kapu.api.TaskTimeoutException;
import dev.kapu.api.spi.DaemonOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.MapJob;
import dev.kapu.client.TaskFuture;
import dev.kapu.flight.ClusterStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults against real daemon processes: SIGKILL mid-task, retries, cancellation of running and
 * queued tasks, timeouts, and what status() says meanwhile (tasks that ignore their interrupt:
 * {@link RunawayTaskTest}). Every test starts its own session,
 * since most of them break a daemon on purpose.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultToleranceTest {
  /** The daemons' grace for a task to honour its interrupt. */
  private static final long STOP_GRACE_MILLIS = DaemonOptions.DEFAULT_STOP_GRACE.toMillis();

  @TempDir Path dir;

  private LocalKapu kapu;

  @AfterEach
  void closeSession() {
    if (kapu != null) {
      kapu.close();
    }
  }

  private String file(String name) {
    return dir.resolve(name).toString();
  }

  private String otherDaemon(String than) {
    List<String> others = kapu.status().daemons().stream().map(ClusterStatus.Daemon::id)
        .filter(id -> !id.equals(than)).toList();
    assertThat(others).as("daemons other than %s", than).hasSize(1);
    return others.get(0);
  }

  // ------------------------------------------------------------------------ daemon lost

  @Test
  void aDaemonKilledMidTaskFailsItsFutureWithDaemonLostWithinTwoSeconds() throws Exception {
    kapu = Kapu.local(2);
    String started = file("started");
    String release = file("release"); // never created: the task only ends by its daemon dying

    TaskFuture<String> victim = kapu.submit(ctx -> Faults.blockUntilReleased(ctx, started, release, 30_000));
    AtomicLong completedAt = new AtomicLong();
    victim.whenComplete((v, e) -> completedAt.set(System.nanoTime()));
    String doomed = awaitFile(Path.of(started));
    ClusterStatus.Daemon before = requireDaemon(kapu, doomed);
    assertThat(before.executing()).isEqualTo(1);
    String survivor = otherDaemon(doomed);

    long killedAt = System.nanoTime();
    sigkill(before.pid());

    Throwable error = failure(victim);
    long detectionMillis = TimeUnit.NANOSECONDS.toMillis(completedAt.get() - killedAt);
    System.out.printf("daemon lost detected %d ms after SIGKILL%n", detectionMillis);
    assertThat(error).isInstanceOfSatisfying(DaemonLostException.class, e -> {
      assertThat(e.daemonId()).isEqualTo(doomed);
      assertThat(e.getMessage()).contains(doomed).contains("pid " + before.pid());
    });
    assertThat(detectionMillis).as("ms from SIGKILL to DaemonLostException").isLessThan(2_000);

    // The dead daemon is gone from status; the other one keeps serving (and a replacement,
    // local-N.2, may have joined it already: SupervisionTest covers that).
    await("the killed daemon to leave status()", () -> daemon(kapu, doomed).isEmpty());
    assertThat(kapu.status().daemons()).extracting(ClusterStatus.Daemon::id).contains(survivor).doesNotContain(doomed);
    assertThat(value(kapu.<String>submit(ctx -> ctx.daemonId() + " says hi")))
        .isIn(survivor + " says hi", doomed + ".2 says hi");
    assertThat(victim.isCompletedExceptionally()).isTrue();
  }

  @Test
  void aRetriedTaskCompletesOnTheOtherDaemonWhenItsDaemonIsKilled() throws Exception {
    kapu = Kapu.local(2);
    String attempts = dir.toString();

    TaskFuture<String> task = kapu.submit(ctx -> Faults.blockOnFirstAttempt(ctx, attempts),
        TaskOptions.DEFAULT.withRetries(1));
    String first = awaitAttempts(1).get(0);
    String second = otherDaemon(first);
    sigkill(requireDaemon(kapu, first).pid());

    assertThat(value(task)).as("the retry's result").isEqualTo(second);
    assertThat(attempts()).containsExactlyInAnyOrder(first, second);
    // The retry is no loss: the survivor counts one completed task and no failure.
    ClusterStatus.Daemon survivor = requireDaemon(kapu, second);
    assertThat(survivor.completed()).isEqualTo(1);
    assertThat(survivor.failed()).isZero();
  }

  @Test
  void retriesAreBoundedTheLastLossFailsTheFutureNamingTheLastDaemon() throws Exception {
    kapu = Kapu.local(2);
    String attempts = dir.toString();

    TaskFuture<String> task = kapu.submit(ctx -> Faults.blockOnEveryAttempt(ctx, attempts),
        TaskOptions.DEFAULT.withRetries(1));
    String first = awaitAttempts(1).get(0);
    sigkill(requireDaemon(kapu, first).pid());
    List<String> both = awaitAttempts(2);
    String second = both.stream().filter(id -> !id.equals(first)).findFirst().orElseThrow();
    assertThat(task).as("one retry is left after the first loss").isNotDone();
    sigkill(requireDaemon(kapu, second).pid());

    assertThat(failure(task)).isInstanceOfSatisfying(DaemonLostException.class,
        e -> assertThat(e.daemonId()).isEqualTo(second));
    assertThat(kapu.status().awaiting()).as("nothing left queued for a third attempt").isZero();
  }

  private List<String> attempts() throws Exception {
    try (var files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString())
          .filter(n -> n.startsWith("attempt-"))
          .map(n -> n.substring("attempt-".length()))
          .sorted()
          .collect(Collectors.toList());
    }
  }

  private List<String> awaitAttempts(int n) throws Exception {
    await(n + " attempt(s) to start", () -> {
      try {
        return attempts().size() >= n;
      } catch (Exception e) {
        return false;
      }
    });
    return attempts();
  }

  // ------------------------------------------------------------------------ cancellation

  @Test
  void cancellingARunningTaskInterruptsItAndTheSameDaemonServesTheNextTask() throws Exception {
    kapu = Kapu.local(1);
    ClusterStatus.Daemon only = kapu.status().daemons().get(0);
    String started = file("started");
    String interrupted = file("interrupted");

    TaskFuture<String> endless = kapu.submit(ctx -> Faults.sleepUntilInterrupted(ctx, started, interrupted));
    awaitFile(Path.of(started));
    long cancelledAt = System.nanoTime();
    assertThat(endless.cancel(true)).isTrue();

    assertThat(endless.isCancelled()).isTrue();
    assertThatThrownBy(() -> endless.get(1, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
    assertThat(awaitFile(Path.of(interrupted))).as("the task saw the interrupt").isEqualTo("interrupted");

    String next = value(kapu.submit(ctx -> ctx.daemonId() + "/" + ProcessHandle.current().pid()
        + "/" + Faults.threadsInside("sleepUntilInterrupted")));
    long nextMillis = millisSince(cancelledAt);
    System.out.printf("next task after an interruptible cancel: %d ms%n", nextMillis);
    assertThat(next).as("same daemon, same process, and no thread left in the cancelled task")
        .isEqualTo(only.id() + "/" + only.pid() + "/[]");
    // The slot came back when the task honoured its interrupt, not after the abandon grace.
    assertThat(nextMillis).isLessThan(STOP_GRACE_MILLIS);
    assertThat(kapu.status().daemons()).extracting(ClusterStatus.Daemon::pid).containsExactly(only.pid());
  }

  @Test
  void aQueuedTaskCancelledBeforeItRunsIsDroppedAndNeverRuns() throws Exception {
    kapu = Kapu.local(1); // one daemon, one slot
    String started = file("started");
    String release = file("release");
    String ranMarker = file("queued-task-ran");

    TaskFuture<String> first = kapu.submit(ctx -> Faults.blockUntilReleased(ctx, started, release, 20_000));
    awaitFile(Path.of(started));
    TaskFuture<String> queued = kapu.submit(ctx -> Faults.touch(ctx, ranMarker));
    await("the second task to wait in the queue", () -> kapu.status().awaiting() == 1);

    assertThat(queued.cancel(true)).isTrue();
    assertThat(queued.isCancelled()).isTrue();
    await("the cancelled task to leave the queue", () -> kapu.status().awaiting() == 0);

    Faults.writeAtomically(release, "go");
    String daemonId = value(first);
    // FIFO: a task submitted after the cancelled one has run, so the cancelled one would have too.
    assertThat(value(kapu.<String>submit(ctx -> "later on " + ctx.daemonId()))).isEqualTo("later on " + daemonId);

    assertThat(Path.of(ranMarker)).as("the cancelled task's marker").doesNotExist();
    ClusterStatus status = kapu.status();
    assertThat(status.completed()).as("tasks that ran: the first and the later one").isEqualTo(2);
    assertThat(requireDaemon(kapu, daemonId).completed()).isEqualTo(2);
    assertThat(status.awaiting()).isZero();
  }

  // ------------------------------------------------------------------------ timeouts

  @Test
  void aTaskPastItsTimeoutFailsWithTaskTimeoutAndTheDaemonServesTheNextTask() throws Exception {
    kapu = Kapu.local(1);
    String daemonId = kapu.status().daemons().get(0).id();

    long submittedAt = System.nanoTime();
    AtomicLong completedAt = new AtomicLong();
    TaskFuture<String> sleeper = kapu.submit(ctx -> {
      Thread.sleep(30_000);
      return "woke up";
    }, TaskOptions.timeout(Duration.ofMillis(300)));
    sleeper.whenComplete((v, e) -> completedAt.set(System.nanoTime()));

    Throwable error = failure(sleeper);
    // get() may return before the completing thread has run the callback that took the time
    await("the completion callback", () -> completedAt.get() != 0);
    long millis = TimeUnit.NANOSECONDS.toMillis(completedAt.get() - submittedAt);
    System.out.printf("300 ms timeout reported after %d ms%n", millis);
    assertThat(error).isInstanceOf(TaskTimeoutException.class)
        .hasMessageContaining(daemonId).hasMessageContaining("300 ms");
    assertThat(millis).isBetween(300L, 3_000L);

    // A task within its timeout is untouched, on the same daemon, right after.
    assertThat(value(kapu.<String>submit(ctx -> {
      Thread.sleep(50);
      return ctx.daemonId();
    }, TaskOptions.timeout(Duration.ofSeconds(5))))).isEqualTo(daemonId);
    ClusterStatus.Daemon d = requireDaemon(kapu, daemonId);
    assertThat(d.completed()).isEqualTo(2);
    assertThat(d.failed()).as("the timed-out task counts as failed").isEqualTo(1);
  }

  static int slowAt(int x, int slow) throws InterruptedException {
    if (x == slow) {
      Thread.sleep(30_000);
    }
    return x * 10;
  }

  @Test
  void aMapItemPastItsTimeoutFailsWithTaskTimeoutAndTheOtherItemsSucceed() throws Exception {
    kapu = Kapu.local(1);
    List<Integer> items = List.of(0, 1, 2, 3, 4);
    MapOptions options = MapOptions.DEFAULT.withTask(TaskOptions.timeout(Duration.ofMillis(300)))
        .withChunkSize(1).withStopOnFirstError(false);

    MapJob<Integer> job = kapu.map(items, x -> slowAt(x, 2), options);

    assertThat(failure(job)).isInstanceOfSatisfying(MapException.class, e -> {
      assertThat(e.failures().keySet()).containsExactly(2);
      assertThat(e.failures().get(2)).isInstanceOf(TaskTimeoutException.class);
      assertThat(e.results()).isEqualTo(Arrays.asList(0, 10, null, 30, 40));
      assertThat(e.getMessage()).contains("item 2");
    });
    assertThat(job.completedItems()).isEqualTo(5);
  }

  @Test
  void aMapStoppingAtTheFirstErrorReportsTheTimedOutItem() throws Exception {
    kapu = Kapu.local(1);
    MapOptions options = MapOptions.DEFAULT.withTask(TaskOptions.timeout(Duration.ofMillis(300)))
        .withChunkSize(1);

    MapJob<Integer> job = kapu.map(List.of(0, 1, 2, 3, 4), x -> slowAt(x, 1), options);

    assertThat(failure(job)).isInstanceOfSatisfying(MapException.class, e -> {
      assertThat(e.failures()).containsKey(1);
      assertThat(e.failures().get(1)).isInstanceOf(TaskTimeoutException.class);
      assertThat(e.getCause()).isInstanceOf(TaskTimeoutException.class);
    });
    // The daemon is free again.
    assertThat(value(kapu.<Integer>submit(ctx -> 7))).isEqualTo(7);
  }

  @Test
  void theMapTimeoutIsPerItemNotPerChunk() throws Exception {
    kapu = Kapu.local(1);
    // Three items of 200 ms in one chunk: 600 ms in all, each well inside its 400 ms.
    MapOptions options = MapOptions.DEFAULT.withTask(TaskOptions.timeout(Duration.ofMillis(400)))
        .withChunkSize(3);

    List<Integer> out = value(kapu.<Integer, Integer>map(List.of(1, 2, 3), x -> {
      Thread.sleep(200);
      return -x;
    }, options));

    assertThat(out).containsExactly(-1, -2, -3);
  }

  @Test
  void aTimedOutItemFailsAloneAndTheRestOfItsChunkStillRuns() throws Exception {
    kapu = Kapu.local(1);
    // Items 0..3 in two chunks of two; item 1 sleeps past its 300 ms.
    MapOptions options = MapOptions.DEFAULT.withTask(TaskOptions.timeout(Duration.ofMillis(300)))
        .withChunkSize(2).withStopOnFirstError(false);

    MapJob<Integer> job = kapu.map(List.of(0, 1, 2, 3), x -> slowAt(x, 1), options);

    assertThat(failure(job)).isInstanceOfSatisfying(MapException.class, e -> {
      assertThat(e.failures().keySet()).containsExactly(1);
      assertThat(e.failures().get(1)).isInstanceOf(TaskTimeoutException.class)
          .hasMessageContaining("item 1").hasMessageContaining("300 ms");
      assertThat(e.results()).isEqualTo(Arrays.asList(0, null, 20, 30));
    });
  }

  // ------------------------------------------------------------------------ status

  @Test
  void statusShowsTheRunningTaskTheQueueAndThenTheCompletedCounts() throws Exception {
    kapu = Kapu.local(1);
    String id = kapu.status().daemons().get(0).id();
    ClusterStatus idle = kapu.status();
    assertThat(idle.executing()).isZero();
    assertThat(idle.awaiting()).isZero();
    assertThat(idle.completed()).isZero();

    String started = file("started");
    String release = file("release");
    TaskFuture<String> running = kapu.submit(ctx -> Faults.blockUntilReleased(ctx, started, release, 20_000));
    awaitFile(Path.of(started));
    TaskFuture<Integer> queued1 = kapu.submit(ctx -> 1);
    TaskFuture<Integer> queued2 = kapu.submit(ctx -> {
      throw new IllegalStateException("fails on purpose");
    });
    await("two tasks queued", () -> kapu.status().awaiting() == 2);

    ClusterStatus busy = kapu.status();
    assertThat(busy.executing()).isEqualTo(1);
    assertThat(busy.awaiting()).isEqualTo(2);
    assertThat(busy.completed()).isZero();
    ClusterStatus.Daemon d = requireDaemon(kapu, id);
    assertThat(d.executing()).isEqualTo(1);
    assertThat(d.completed()).isZero();
    assertThat(d.draining()).isFalse();

    Faults.writeAtomically(release, "go");
    assertThat(value(running)).isEqualTo(id);
    assertThat(value(queued1)).isEqualTo(1);
    assertThat(failure(queued2)).isInstanceOfSatisfying(RemoteTaskException.class,
        e -> assertThat(e.remoteClassName()).isEqualTo("java.lang.IllegalStateException"));

    ClusterStatus done = kapu.status();
    assertThat(done.executing()).isZero();
    assertThat(done.awaiting()).isZero();
    assertThat(done.completed()).isEqualTo(3);
    ClusterStatus.Daemon after = requireDaemon(kapu, id);
    assertThat(after.executing()).isZero();
    assertThat(after.completed()).isEqualTo(3);
    assertThat(after.failed()).isEqualTo(1);
  }
}
