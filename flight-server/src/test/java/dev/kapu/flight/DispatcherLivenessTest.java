package dev.kapu.flight;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.kapu.flight.internal.wire.OutcomeKind;
import dev.kapu.flight.internal.wire.TaskDone;
import dev.kapu.flight.internal.wire.ToWorker;
import dev.kapu.flight.internal.wire.WorkerHello;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dispatcher's sweep (heartbeats, daemons declared lost) and deadlines, on a clock the test moves. */
class DispatcherLivenessTest {
  private static final long BOUND_MILLIS = 10_000;

  private final RootAllocator allocator = new RootAllocator();
  private final ParkedStreams parked = new ParkedStreams(allocator, 60_000, false);
  private long now = 1_000_000_000L;
  private final Dispatcher dispatcher =
      new Dispatcher(parked, Liveness.of(Duration.ofMillis(BOUND_MILLIS)), () -> now);
  private final Map<String, String> declaredLost = new LinkedHashMap<>();

  DispatcherLivenessTest() {
    dispatcher.onDeclaredLost(declaredLost::put);
  }

  @AfterEach
  void closeStore() {
    parked.close();
    allocator.close();
  }

  private void advance(long millis) {
    now += TimeUnit.MILLISECONDS.toNanos(millis);
    dispatcher.tick();
  }

  /** Advances in steps of at most a second, the given daemons sending a heartbeat after each. */
  private void advance(long millis, FakeWorker... alive) {
    for (long left = millis; left > 0; left -= 1_000) {
      advance(Math.min(1_000, left));
      for (FakeWorker w : alive) {
        dispatcher.heard(w.handle, null);
      }
    }
  }

  private record Heard(TaskOutcome outcome, boolean last) {}

  private static final class FakeWorker {
    final List<ToWorker> received = new ArrayList<>();
    Worker handle;

    /** As the daemon reads them: a batch's messages one by one. */
    void receive(ToWorker message) {
      if (message.hasBatch()) {
        received.addAll(message.getBatch().getMessagesList());
      } else {
        received.add(message);
      }
    }
    boolean ended;

    List<Long> assigned() {
      return received.stream().filter(ToWorker::hasAssign).map(m -> m.getAssign().getTaskId()).toList();
    }

    List<Long> cancelled() {
      return received.stream().filter(ToWorker::hasCancel).map(m -> m.getCancel().getTaskId()).toList();
    }

    long heartbeats() {
      return received.stream().filter(ToWorker::hasHeartbeat).count();
    }
  }

  private FakeWorker join(String id, int slots) {
    FakeWorker w = new FakeWorker();
    w.handle = dispatcher.join(WorkerHello.newBuilder().setDaemonId(id).setSlots(slots).build(), w::receive,
        () -> w.ended = true);
    return w;
  }

  private List<Heard> submit(TaskRequest request) {
    List<Heard> heard = new ArrayList<>();
    dispatcher.submit(request, (o, last) -> heard.add(new Heard(o, last)));
    return heard;
  }

  private void report(FakeWorker w, long taskId, OutcomeKind kind) {
    dispatcher.done(w.handle, TaskDone.newBuilder().setTaskId(taskId).setKind(kind)
        .setPayload(ByteString.copyFromUtf8("late")).build());
  }

  @Test
  void theUsageADaemonReportsReachesTheStatusOverTheWire() {
    ProcessUsage atHello = new ProcessUsage(1_000_000, 50L << 20, 60L << 20);
    Worker w = dispatcher.join(WorkerHello.newBuilder().setDaemonId("far").setSlots(1).setUsage(atHello.toWire()).build(),
        m -> { }, () -> { });
    assertThat(fromTheWire().usage()).contains(atHello);

    ProcessUsage later = new ProcessUsage(2_500_000_000L, 80L << 20, 90L << 20);
    dispatcher.heard(w, later);
    dispatcher.heard(w, null); // a heartbeat without a report keeps the last one
    ClusterStatus.Daemon d = fromTheWire();
    assertThat(d.usage()).contains(later);
    assertThat(d.usage().orElseThrow().cpuSeconds()).hasValue(2.5);
  }

  @Test
  void aClientCountsSlotsFromAWholeStatusWhenItsDispatcherPredatesTheSlotCount() {
    dispatcher.join(WorkerHello.newBuilder().setDaemonId("a").setSlots(3).build(), m -> { }, () -> { });
    dispatcher.join(WorkerHello.newBuilder().setDaemonId("b").setSlots(4).build(), m -> { }, () -> { });
    // What an older dispatcher answers to a request for slots only: the whole status, no slots field.
    assertThat(RemoteGateway.slotsOf(TaskService.toWire(1, dispatcher.status().join()))).isEqualTo(7);
  }

  /** The one daemon, as a remote client reads the status: through the status reply's wire form. */
  private ClusterStatus.Daemon fromTheWire() {
    return RemoteGateway.fromWire(TaskService.toWire(1, dispatcher.status().join())).daemons().get(0);
  }

  @Test
  void thisProcessMeasuresItsOwnUsage() {
    ProcessUsage u = ProcessUsage.current();
    assertThat(u.cpuSeconds()).isPresent();
    assertThat(u.cpuNanos()).isPositive();
    if (java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/status"))) {
      assertThat(u.residentBytes()).isPositive();
      assertThat(u.peakResidentBytes()).isGreaterThanOrEqualTo(u.residentBytes());
    }
  }

  @Test
  void aDaemonIsWelcomedWithTheHeartbeatIntervalAndTheBound() {
    FakeWorker w = join("w", 1);
    assertThat(w.received.get(0).hasWelcome()).isTrue();
    assertThat(w.received.get(0).getWelcome().getLivenessMillis()).isEqualTo(BOUND_MILLIS);
    assertThat(w.received.get(0).getWelcome().getHeartbeatMillis()).isEqualTo(BOUND_MILLIS / 5);
  }

  @Test
  void aDaemonThatKeepsSendingHeartbeatsStaysAndIsSentHeartbeatsEveryInterval() {
    FakeWorker w = join("w", 1);
    for (int i = 0; i < 30; i++) { // a minute
      advance(BOUND_MILLIS / 5);
      dispatcher.heard(w.handle, null);
    }
    assertThat(w.heartbeats()).isEqualTo(30);
    assertThat(declaredLost).isEmpty();
    assertThat(w.ended).isFalse();
    assertThat(dispatcher.status().join().daemons()).extracting(ClusterStatus.Daemon::id).containsExactly("w");
  }

  @Test
  void aSilentDaemonIsDeclaredLostAtTheBoundItsTasksFailOrMoveAndItsLateResultsAreIgnored() {
    FakeWorker silent = join("silent", 2);
    List<Heard> retried = submit(new TaskRequest(new byte[] {1}, 0, 1));
    List<Heard> notRetried = submit(new TaskRequest(new byte[] {2}, 0, 0));
    assertThat(silent.assigned()).containsExactly(1L, 2L);
    FakeWorker alive = join("alive", 1);

    advance(BOUND_MILLIS - 100, alive);
    advance(99);
    assertThat(declaredLost).as("silent for 1 ms less than the bound").isEmpty();
    advance(1);

    assertThat(declaredLost).containsOnlyKeys("silent");
    assertThat(declaredLost.get("silent")).contains("no heartbeat").contains(BOUND_MILLIS + " ms");
    ToWorker last = silent.received.get(silent.received.size() - 1);
    assertThat(last.hasLeave()).as("told to leave, last").isTrue();
    assertThat(last.getLeave().getReason()).contains("no heartbeat");
    assertThat(silent.ended).as("its stream ended").isTrue();
    assertThat(notRetried).singleElement().satisfies(h -> {
      assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.DAEMON_LOST);
      assertThat(h.outcome().daemonId()).isEqualTo("silent");
      assertThat(h.outcome().message()).contains("declared lost").contains("no heartbeat");
    });
    assertThat(retried).isEmpty();
    assertThat(alive.assigned()).as("the retried task moved").containsExactly(1L);
    ClusterStatus status = dispatcher.status().join();
    assertThat(status.daemons()).extracting(ClusterStatus.Daemon::id).containsExactly("alive");
    assertThat(status.departed()).singleElement().satisfies(d -> {
      assertThat(d.id()).isEqualTo("silent");
      assertThat(d.clean()).isFalse();
    });

    // The frozen daemon wakes up and reports: nobody hears it.
    report(silent, 1, OutcomeKind.SUCCEEDED);
    report(silent, 2, OutcomeKind.SUCCEEDED);
    dispatcher.heard(silent.handle, null);
    advance(BOUND_MILLIS, alive);
    assertThat(notRetried).hasSize(1);
    assertThat(retried).isEmpty();
    assertThat(declaredLost).as("declared lost once").hasSize(1);
    report(alive, 1, OutcomeKind.SUCCEEDED);
    assertThat(retried).singleElement().satisfies(h -> {
      assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.SUCCEEDED);
      assertThat(h.outcome().daemonId()).isEqualTo("alive");
    });
  }

  @Test
  void aTimedTaskCompletesTimedOutAtItsDeadlineAndKeepsItsSlotUntilTheDaemonConfirms() {
    FakeWorker w = join("w", 1);
    List<Heard> timed = submit(new TaskRequest(new byte[] {1}, 2_000, 0));
    List<Heard> next = submit(new TaskRequest(new byte[] {2}, 0, 0));
    assertThat(w.assigned()).containsExactly(1L);

    advance(2_000 + Deadlines.SLACK_MILLIS - 1);
    assertThat(timed).isEmpty();
    advance(1);

    assertThat(timed).singleElement().satisfies(h -> {
      assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.TIMED_OUT);
      assertThat(h.outcome().daemonId()).isEqualTo("w");
      assertThat(h.outcome().message()).contains("2000 ms");
      assertThat(h.last()).isTrue();
    });
    assertThat(w.cancelled()).as("the daemon is told to stop it").containsExactly(1L);
    assertThat(w.assigned()).as("its slot stays taken").containsExactly(1L);

    advance(60_000, w);
    assertThat(timed).as("completed once").hasSize(1);
    report(w, 1, OutcomeKind.TIMED_OUT);
    assertThat(timed).hasSize(1);
    assertThat(w.assigned()).as("the slot is free once the daemon confirms").containsExactly(1L, 2L);
    assertThat(next).isEmpty();
  }

  @Test
  void aTaskThatReportsBeforeItsDeadlineIsNotTimedOut() {
    FakeWorker w = join("w", 1);
    List<Heard> timed = submit(new TaskRequest(new byte[] {1}, 2_000, 0));
    advance(1_999);
    report(w, 1, OutcomeKind.SUCCEEDED);
    advance(10_000, w);
    assertThat(timed).singleElement().satisfies(h -> assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.SUCCEEDED));
    assertThat(w.cancelled()).isEmpty();
  }

  @Test
  void aMapChunksDeadlineIsTheTimeoutOfEachOfItsItems() {
    FakeWorker w = join("w", 1);
    List<Heard> chunk = submit(new TaskRequest(new byte[] {1}, 100, 0, List.of(), List.of(), 5));
    advance(5 * 100 + Deadlines.SLACK_MILLIS - 1);
    assertThat(chunk).isEmpty();
    advance(1);
    assertThat(chunk).singleElement().satisfies(h -> {
      assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.TIMED_OUT);
      assertThat(h.outcome().message()).contains("5 items").contains("5 x 100 ms");
    });
    assertThat(w.cancelled()).containsExactly(1L);
  }

  @Test
  void theDeadlineCountsFromWhenTheTaskIsSentNotFromWhenItIsQueued() {
    FakeWorker w = join("w", 1);
    submit(new TaskRequest(new byte[] {1}, 0, 0));
    List<Heard> queued = submit(new TaskRequest(new byte[] {2}, 1_000, 0));
    advance(5_000, w); // queued all this time
    report(w, 1, OutcomeKind.SUCCEEDED);
    assertThat(w.assigned()).containsExactly(1L, 2L);
    advance(1_000 + Deadlines.SLACK_MILLIS - 1);
    assertThat(queued).isEmpty();
    advance(1);
    assertThat(queued).singleElement().satisfies(h -> assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.TIMED_OUT));
  }

  @Test
  void aRetriedTaskGetsAFreshDeadlineOnItsNextDaemon() {
    join("silent", 1);
    List<Heard> task = submit(new TaskRequest(new byte[] {1}, 15_000, 1));
    FakeWorker alive = join("alive", 1);
    advance(BOUND_MILLIS, alive);
    assertThat(declaredLost).containsOnlyKeys("silent");
    assertThat(alive.assigned()).containsExactly(1L);
    advance(15_000 + Deadlines.SLACK_MILLIS - 1_000, alive);
    assertThat(task).as("within the retry's own deadline").isEmpty();
    advance(1_000);
    assertThat(task).singleElement().satisfies(h -> {
      assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.TIMED_OUT);
      assertThat(h.outcome().daemonId()).isEqualTo("alive");
    });
  }

  @Test
  void aSetupOnADaemonDeclaredLostCompletesAsLost() {
    FakeWorker silent = join("silent", 1);
    List<Heard> setup = new ArrayList<>();
    dispatcher.everywhere(new TaskRequest(new byte[] {9}, 0, 0), (o, last) -> setup.add(new Heard(o, last)));
    assertThat(silent.received).anySatisfy(m -> assertThat(m.getAssign().getSetup()).isTrue());
    advance(BOUND_MILLIS);
    assertThat(setup).singleElement().satisfies(h -> {
      assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.DAEMON_LOST);
      assertThat(h.last()).isTrue();
    });
  }

  @Test
  void afterCloseTheSweepDoesNothing() {
    FakeWorker w = join("w", 1);
    dispatcher.close();
    advance(BOUND_MILLIS * 3);
    assertThat(declaredLost).isEmpty();
    assertThat(w.heartbeats()).isZero();
  }
}
