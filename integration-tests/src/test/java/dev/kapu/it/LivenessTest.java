package dev.kapu.it;

import static dev.kapu.it.Faults.await;
import static dev.kapu.it.Faults.awaitFile;
import static dev.kapu.it.Faults.failure;
import static dev.kapu.it.Faults.requireDaemon;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.ConnectionLostException;
import dev.kapu.api.DaemonLostException;
import dev.kapu.api.TaskOptions;
import dev.kapu.api.TaskTimeoutException;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.TaskFuture;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.flight.Liveness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Daemons that go silent the ways production has them, against real processes: frozen with
 * SIGSTOP, or cut off by a network link that goes down (a namespace the test makes; root needed).
 * Each is declared lost within the liveness bound: its tasks fail with DaemonLostException or move
 * to another daemon, nothing stays pending, a local daemon is killed and a remote one leaves on its
 * own. A timeout holds on the caller's side whatever the daemon does, and a client of a remote
 * dispatcher that froze gives it up. Detection times are printed; the limits asserted are generous.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LivenessTest {
  private static final Duration BOUND = Liveness.DEFAULT.bound();
  /** The bound plus a busy machine's worth of slack. */
  private static final Duration DETECTION_LIMIT = BOUND.plusSeconds(10);

  @TempDir Path dir;

  private LocalKapu kapu;
  private final List<Long> stopped = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (long pid : stopped) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL ends a stopped process too
    }
    if (kapu != null) {
      kapu.close();
    }
  }

  private String file(String name) {
    return dir.resolve(name).toString();
  }

  private void freeze(long pid) throws Exception {
    stopped.add(pid);
    NetworkNamespace.run("kill", "-STOP", Long.toString(pid));
  }

  private static void thaw(long pid) throws Exception {
    NetworkNamespace.run("kill", "-CONT", Long.toString(pid));
  }

  /** When {@code future} completes, in {@link System#nanoTime()}. */
  private static AtomicLong completion(TaskFuture<?> future) {
    AtomicLong at = new AtomicLong();
    future.whenComplete((v, e) -> at.set(System.nanoTime()));
    return at;
  }

  private static long millis(long fromNanos, long toNanos) {
    return TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
  }

  /**
   * A task with no retries that blocks until the test ends (and when it completed), and one with
   * a retry that blocks on its first attempt only.
   */
  private record Blocked(TaskFuture<String> lost, AtomicLong lostAt, TaskFuture<String> retried) {}

  private Blocked blockTwoTasksOn(String daemonId) throws Exception {
    Path attempts = Files.createDirectories(dir.resolve("attempts"));
    String attemptsDir = attempts.toString();
    String started = file("started");
    String release = file("release"); // never created
    TaskFuture<String> lost = kapu.submit(ctx -> Faults.blockUntilReleased(ctx, started, release, 120_000));
    TaskFuture<String> retried = kapu.submit(ctx -> Faults.blockOnFirstAttempt(ctx, attemptsDir),
        TaskOptions.DEFAULT.withRetries(1));
    assertThat(awaitFile(Path.of(started))).isEqualTo(daemonId);
    awaitFile(attempts.resolve("attempt-" + daemonId));
    assertThat(requireDaemon(kapu, daemonId).executing()).isEqualTo(2);
    return new Blocked(lost, completion(lost), retried);
  }

  /** The lost daemon's work is settled: one task failed, the other moved, nothing left pending. */
  private void assertSettled(Blocked tasks, String lostId, long silentAt, String how) throws Exception {
    Throwable error = failure(tasks.lost(), DETECTION_LIMIT);
    long detection = millis(silentAt, tasks.lostAt().get());
    System.out.printf("%s: daemon declared lost %d ms after it went silent (liveness bound %d ms)%n", how, detection,
        BOUND.toMillis());
    assertThat(error).isInstanceOfSatisfying(DaemonLostException.class, e -> {
      assertThat(e.daemonId()).isEqualTo(lostId);
      assertThat(e.getMessage()).contains(lostId).contains("no heartbeat");
    });
    assertThat(detection).as("ms from going silent to DaemonLostException").isLessThan(DETECTION_LIMIT.toMillis());

    String survivor = Faults.value(tasks.retried());
    assertThat(survivor).as("the task with a retry ran again elsewhere").isNotEqualTo(lostId);
    ClusterStatus status = kapu.status();
    assertThat(status.awaiting()).as("queued").isZero();
    assertThat(status.executing()).as("executing").isZero();
    assertThat(status.daemons()).extracting(ClusterStatus.Daemon::id).containsExactly(survivor);
    assertThat(status.departed()).filteredOn(d -> d.id().equals(lostId)).singleElement().satisfies(d -> {
      assertThat(d.clean()).isFalse();
      assertThat(d.reason()).contains("declared lost").contains("no heartbeat");
    });
    assertThat(Faults.value(kapu.<String>submit(ctx -> ctx.daemonId()))).isEqualTo(survivor);
  }

  @Test
  void aFrozenDaemonIsDeclaredLostWithinTheBoundItsTasksFailOrMoveAndItIsKilled() throws Exception {
    kapu = Kapu.builder().daemons(1).slots(2).local();
    ClusterStatus.Daemon frozen = kapu.status().daemons().get(0);
    Blocked tasks = blockTwoTasksOn(frozen.id());
    kapu.addDaemons(1);

    long stoppedAt = System.nanoTime();
    freeze(frozen.pid());

    assertSettled(tasks, frozen.id(), stoppedAt, "SIGSTOP");
    Optional<ProcessHandle> process = ProcessHandle.of(frozen.pid());
    await("the frozen daemon to be killed", Duration.ofSeconds(10),
        () -> process.isEmpty() || !process.get().isAlive());
    System.out.printf("SIGSTOP: the frozen daemon (pid %d) was killed %d ms after it was stopped%n", frozen.pid(),
        millis(stoppedAt, System.nanoTime()));
  }

  @Test
  void aDaemonBehindACutLinkIsDeclaredLostWithinTheBoundItsTasksFailOrMoveAndItLeavesOnItsOwn() throws Exception {
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      // Every interface, so the daemon in the namespace reaches it over the link; local daemons dial loopback.
      kapu = Kapu.builder().daemons(0).listen("0.0.0.0", 0).advertise("127.0.0.1").local();
      String url = "grpc://" + ns.hostAddress + ":" + kapu.endpoint().url().getPort();
      try (HandDaemon behind = HandDaemon.launchIn(ns, url, kapu, dir, "behind-link", "--slots", "2")) {
        behind.awaitConnected(kapu);
        Blocked tasks = blockTwoTasksOn(behind.id);
        kapu.addDaemons(1);

        AtomicLong exitedAt = new AtomicLong();
        behind.process.onExit().thenRun(() -> exitedAt.set(System.nanoTime()));
        long cutAt = System.nanoTime();
        ns.cut();

        assertSettled(tasks, behind.id, cutAt, "link cut");
        int exit = behind.awaitExit(DETECTION_LIMIT);
        await("the exit to be timed", () -> exitedAt.get() != 0);
        long leftMillis = millis(cutAt, exitedAt.get());
        System.out.printf("link cut: the daemon behind it gave the dispatcher up and exited %d ms after the cut%n",
            leftMillis);
        assertThat(exit).as("exit code of a daemon that lost its dispatcher").isEqualTo(1);
        assertThat(behind.logText()).contains("no heartbeat from the dispatcher");
        assertThat(leftMillis).as("ms from the cut to the daemon's exit").isLessThan(DETECTION_LIMIT.toMillis());
      }
    }
  }

  @Test
  void aTimeoutOnAFrozenDaemonCompletesTheFutureOnTimeAndTheSlotWaitsForTheDaemon() throws Exception {
    Duration bound = Duration.ofSeconds(30); // far beyond the timeout: only the deadline can end the task in time
    kapu = Kapu.builder().daemons(1).liveness(bound).local();
    ClusterStatus.Daemon only = kapu.status().daemons().get(0);
    String started = file("started");
    String release = file("release");

    long submittedAt = System.nanoTime();
    TaskFuture<String> timed = kapu.submit(ctx -> Faults.blockUntilReleased(ctx, started, release, 120_000),
        TaskOptions.timeout(Duration.ofSeconds(2)));
    AtomicLong failedAt = completion(timed);
    awaitFile(Path.of(started));
    long stoppedAt = System.nanoTime();
    freeze(only.pid());

    Throwable error = failure(timed, bound);
    System.out.printf("a 2000 ms timeout on a frozen daemon failed its future %d ms after submission (%d ms after"
        + " SIGSTOP; liveness bound %d ms)%n", millis(submittedAt, failedAt.get()), millis(stoppedAt, failedAt.get()),
        bound.toMillis());
    assertThat(error).isInstanceOf(TaskTimeoutException.class).hasMessageContaining(only.id())
        .hasMessageContaining("2000 ms");
    assertThat(millis(submittedAt, failedAt.get())).isLessThan(bound.toMillis());

    // The frozen daemon keeps the slot until it confirms: the next task waits rather than pile on it.
    TaskFuture<String> next = kapu.submit(ctx -> ctx.daemonId() + "/" + ProcessHandle.current().pid());
    await("the next task to wait for the slot", () -> kapu.status().awaiting() == 1);
    thaw(only.pid());
    assertThat(Faults.value(next)).as("the same daemon process, woken up").isEqualTo(only.id() + "/" + only.pid());
    assertThat(timed.isCompletedExceptionally()).isTrue();
  }

  @Test
  void aRemoteDaemonThatWakesUpAfterItWasDeclaredLostLeavesAndItsLateResultIsIgnored() throws Exception {
    kapu = Kapu.builder().daemons(0).local();
    try (HandDaemon remote = HandDaemon.launch(kapu, dir, "remote").awaitConnected(kapu)) {
      String started = file("started");
      String release = file("release");
      TaskFuture<String> task = kapu.submit(ctx -> Faults.blockUntilReleased(ctx, started, release, 120_000));
      awaitFile(Path.of(started));
      long stoppedAt = System.nanoTime();
      freeze(remote.process.pid());

      Throwable error = failure(task, DETECTION_LIMIT);
      System.out.printf("SIGSTOP of a daemon this session did not start: declared lost %d ms after it was stopped%n",
          millis(stoppedAt, System.nanoTime()));
      assertThat(error).isInstanceOf(DaemonLostException.class);
      assertThat(remote.process.isAlive()).as("not this session's to kill").isTrue();

      // It wakes up with its task released: the result it may still send reaches nobody, and it leaves.
      Faults.writeAtomically(release, "go");
      thaw(remote.process.pid());
      assertThat(remote.awaitExit(DETECTION_LIMIT)).isEqualTo(1);
      String why = remote.logText().lines().filter(l -> l.startsWith("kapu daemon:")).findFirst().orElse("");
      System.out.println("the woken daemon left: " + why);
      // Whichever it saw first: the dispatcher's leave message, or its own watch on the dispatcher's silence.
      assertThat(why).containsAnyOf("the dispatcher declared this daemon lost", "no heartbeat from the dispatcher");
      assertThat(failure(task, Duration.ofSeconds(1))).as("completed once, as lost").isSameAs(error);
      assertThat(kapu.status().daemons()).isEmpty();
      assertThat(kapu.status().executing()).isZero();
    }
  }

  @Test
  void aClientOfAFrozenRemoteDispatcherGivesItUpAndItsFuturesFailWithConnectionLost() throws Exception {
    try (DispatcherProcess dispatcher = DispatcherProcess.start();
        Kapu client = Kapu.builder().token(dispatcher.token).connect(dispatcher.url)) {
      String started = file("started");
      String release = file("release");
      TaskFuture<String> open = client.submit(ctx -> Faults.blockUntilReleased(ctx, started, release, 120_000));
      AtomicLong failedAt = completion(open);
      awaitFile(Path.of(started));
      long stoppedAt = System.nanoTime();
      stopped.add(dispatcher.process.pid());
      NetworkNamespace.run("kill", "-STOP", Long.toString(dispatcher.process.pid()));

      Liveness liveness = Liveness.DEFAULT;
      Duration limit = liveness.keepAliveTime().plus(liveness.keepAliveTimeout()).plusSeconds(10);
      Throwable error = failure(open, limit);
      System.out.printf("a client gave up a frozen remote dispatcher %d ms after SIGSTOP (keepalive %d ms + %d ms)%n",
          millis(stoppedAt, failedAt.get()), liveness.keepAliveTime().toMillis(), liveness.keepAliveTimeout().toMillis());
      assertThat(error).isInstanceOf(ConnectionLostException.class).hasMessageContaining(dispatcher.url);
      assertThat(failure(client.submit(ctx -> 1), Duration.ofSeconds(5)))
          .as("a task submitted afterwards").isInstanceOf(ConnectionLostException.class);
    }
  }
}
