package dev.kapu.flight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.ByteString;
import dev.kapu.flight.internal.wire.OutcomeKind;
import dev.kapu.flight.internal.wire.TaskDone;
import dev.kapu.flight.internal.wire.ToWorker;
import dev.kapu.flight.internal.wire.WorkerHello;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The queue's rules, with workers that only record what they are sent. */
class DispatcherTest {
  private final RootAllocator allocator = new RootAllocator();
  private final ParkedStreams parked = new ParkedStreams(allocator, 200, false);
  private final Dispatcher dispatcher = new Dispatcher(parked);

  @AfterEach
  void closeStore() {
    parked.close();
    allocator.close();
  }

  /** A stream that only says whether it was closed. */
  private static final class Closing extends ArrowReader {
    volatile boolean closed;

    Closing(BufferAllocator allocator) {
      super(allocator);
    }

    @Override
    public boolean loadNextBatch() {
      return false;
    }

    @Override
    public long bytesRead() {
      return 0;
    }

    @Override
    protected void closeReadSource() {
      closed = true;
    }

    @Override
    protected Schema readSchema() {
      return new Schema(List.of());
    }
  }

  @Test
  void aParkedStreamIsFreedWhenItsTaskIsCancelledAndExpiresIfNoTaskClaimsIt() throws Exception {
    Closing argument = new Closing(allocator);
    String ticket = "argument";
    dispatcher.park(ticket, argument).join();
    List<Heard> heard = new ArrayList<>();
    var handle = dispatcher.submit(new TaskRequest(new byte[] {1}, 0, 0, List.of(), List.of(ticket)),
        (o, last) -> heard.add(new Heard(o, last)));
    Thread.sleep(400); // past the expiry: a claimed stream does not expire
    assertThat(argument.closed).isFalse();
    handle.cancel();
    assertThat(heard).extracting(h -> h.outcome().kind()).containsExactly(TaskOutcome.Kind.CANCELLED);
    assertThat(argument.closed).isTrue();

    Closing unclaimed = new Closing(allocator);
    String late = "late";
    dispatcher.park(late, unclaimed).join();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!unclaimed.closed && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(unclaimed.closed).isTrue();
    List<Heard> refused = new ArrayList<>();
    dispatcher.submit(new TaskRequest(new byte[] {1}, 0, 0, List.of(), List.of(late)),
        (o, last) -> refused.add(new Heard(o, last)));
    assertThat(refused).singleElement().satisfies(h -> assertThat(h.outcome().message()).contains("expired"));
  }

  private record Heard(TaskOutcome outcome, boolean last) {}

  private static final class FakeWorker {
    final List<ToWorker> received = new ArrayList<>();
    Worker handle;

    /** The messages as they went on the wire. */
    final List<ToWorker> sent = new ArrayList<>();

    /** As the daemon reads them: a batch's messages one by one. */
    void receive(ToWorker message) {
      sent.add(message);
      if (message.hasBatch()) {
        received.addAll(message.getBatch().getMessagesList());
      } else {
        received.add(message);
      }
    }

    List<Long> assigned() {
      return received.stream().filter(ToWorker::hasAssign).map(m -> m.getAssign().getTaskId()).toList();
    }
  }

  private FakeWorker join(String id, int slots) {
    FakeWorker w = new FakeWorker();
    w.handle = dispatcher.join(WorkerHello.newBuilder().setDaemonId(id).setSlots(slots).build(), w::receive, () -> { });
    return w;
  }

  private List<Heard> submit(int retries) {
    List<Heard> heard = new ArrayList<>();
    dispatcher.submit(new TaskRequest(new byte[] {1}, 0, retries), (o, last) -> heard.add(new Heard(o, last)));
    return heard;
  }

  private void finish(FakeWorker w, long taskId) {
    dispatcher.done(w.handle, TaskDone.newBuilder().setTaskId(taskId).setKind(OutcomeKind.SUCCEEDED)
        .setPayload(ByteString.copyFromUtf8("ok")).build());
  }

  private static TaskDone succeeded(long taskId) {
    return TaskDone.newBuilder().setTaskId(taskId).setKind(OutcomeKind.SUCCEEDED)
        .setPayload(ByteString.copyFromUtf8("ok")).build();
  }

  @Test
  void outcomesThatCameTogetherFreeTheirSlotsInOnePassAndTheNextTasksGoAsOneMessage() {
    FakeWorker w = join("w", 3);
    List<List<Heard>> heard = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      heard.add(submit(0));
    }
    assertThat(w.assigned()).containsExactly(1L, 2L, 3L);
    int before = w.sent.size();
    dispatcher.done(w.handle, List.of(succeeded(1), succeeded(2), succeeded(3)));
    assertThat(heard.subList(0, 3)).allSatisfy(h -> assertThat(h).singleElement()
        .satisfies(one -> assertThat(one.outcome().kind()).isEqualTo(TaskOutcome.Kind.SUCCEEDED)));
    assertThat(w.sent.subList(before, w.sent.size())).singleElement().satisfies(m ->
        assertThat(m.getBatch().getMessagesList()).extracting(a -> a.getAssign().getTaskId())
            .containsExactly(4L, 5L, 6L));
    assertThat(w.assigned()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
  }

  @Test
  void tasksGoInOrderToFreeSlotsAndWaitWhenNoneIsFree() {
    FakeWorker w = join("w", 2);
    List<Heard> a = submit(0);
    submit(0);
    List<Heard> c = submit(0);
    assertThat(w.assigned()).containsExactly(1L, 2L);
    assertThat(dispatcher.status().join().awaiting()).isEqualTo(1);
    finish(w, 1);
    assertThat(a).singleElement().satisfies(h -> {
      assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.SUCCEEDED);
      assertThat(h.outcome().daemonId()).isEqualTo("w");
      assertThat(h.last()).isTrue();
    });
    assertThat(w.assigned()).containsExactly(1L, 2L, 3L);
    assertThat(c).isEmpty();
  }

  @Test
  void tasksGoRoundRobinAndAFreedSlotTakesTheNextQueuedTask() {
    FakeWorker a = join("a", 1);
    FakeWorker b = join("b", 2);
    FakeWorker c = join("c", 1);
    for (int i = 0; i < 6; i++) {
      submit(0);
    }
    // One each in turn; b, with a slot left, goes behind the others and takes the fourth.
    assertThat(a.assigned()).containsExactly(1L);
    assertThat(b.assigned()).containsExactly(2L, 4L);
    assertThat(c.assigned()).containsExactly(3L);
    finish(c, 3);
    finish(a, 1);
    assertThat(c.assigned()).containsExactly(3L, 5L);
    assertThat(a.assigned()).containsExactly(1L, 6L);
    assertThat(dispatcher.status().join().awaiting()).isZero();
  }

  @Test
  void aFreeDaemonThatHostsNoneOfTheWaitingTasksResourcesIsPassedOverUntilOneDoes() {
    FakeWorker db = join("db", "pg");
    FakeWorker plain = join("plain");
    submitOn("pg");
    List<Heard> second = submitOn("pg");
    assertThat(db.assigned()).containsExactly(1L);
    assertThat(plain.assigned()).isEmpty(); // free, but it cannot run what waits
    submitOn();
    assertThat(plain.assigned()).containsExactly(3L); // what it can run overtakes the waiting task
    finish(db, 1);
    assertThat(db.assigned()).containsExactly(1L, 2L);
    assertThat(second).isEmpty();
  }

  @Test
  void theSlotCountIsTheConnectedDaemonsSlots() {
    assertThat(dispatcher.slots().join()).isZero();
    FakeWorker three = join("three", 3);
    join("five", 5);
    assertThat(dispatcher.slots().join()).isEqualTo(8);
    dispatcher.left(three.handle, "stopped");
    assertThat(dispatcher.slots().join()).isEqualTo(5)
        .isEqualTo(dispatcher.status().join().daemons().stream().mapToInt(ClusterStatus.Daemon::slots).sum());
  }

  @Test
  void aLostWorkersTasksAreRetriedElsewhereOrReportedLost() {
    FakeWorker first = join("first", 2);
    List<Heard> retried = submit(1);
    List<Heard> notRetried = submit(0);
    dispatcher.left(first.handle, "killed");
    assertThat(notRetried).singleElement().satisfies(h -> {
      assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.DAEMON_LOST);
      assertThat(h.outcome().message()).contains("first").contains("killed");
    });
    assertThat(retried).isEmpty();
    FakeWorker second = join("second", 1);
    assertThat(second.assigned()).containsExactly(1L);
    dispatcher.left(second.handle, "killed again");
    assertThat(retried).singleElement().satisfies(
        h -> assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.DAEMON_LOST));
  }

  @Test
  void aNewcomerRunsEverySetupBeforeItsFirstTask() {
    FakeWorker early = join("early", 1);
    List<Heard> setup = new ArrayList<>();
    dispatcher.everywhere(new TaskRequest(new byte[] {9}, 0, 0), (o, last) -> setup.add(new Heard(o, last)));
    submit(0);
    // The early worker has the setup and no task until the setup is done.
    assertThat(early.assigned()).hasSize(1);
    assertThat(early.received).filteredOn(ToWorker::hasAssign).singleElement()
        .satisfies(m -> assertThat(m.getAssign().getSetup()).isTrue());
    finish(early, 1);
    assertThat(setup).singleElement().satisfies(h -> assertThat(h.last()).isTrue());
    assertThat(early.assigned()).containsExactly(1L, 2L);

    FakeWorker late = join("late", 1);
    assertThat(late.received).filteredOn(ToWorker::hasAssign).singleElement()
        .satisfies(m -> assertThat(m.getAssign().getSetup()).isTrue());
    submit(0);
    assertThat(late.assigned()).containsExactly(1L); // still only the setup
    finish(late, 1);
    assertThat(late.assigned()).containsExactly(1L, 3L);
  }

  /** A setup's listener that records what it hears and holds daemon a's outcome until let go. */
  private static final class HoldingA implements OutcomeListener {
    final CountDownLatch hearingA = new CountDownLatch(1);
    final CountDownLatch letAGo = new CountDownLatch(1);
    final List<Heard> heard = new CopyOnWriteArrayList<>();

    @Override
    public void onOutcome(TaskOutcome outcome, boolean last) {
      if (outcome.daemonId().equals("a")) {
        hearingA.countDown();
        try {
          letAGo.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      heard.add(new Heard(outcome, last));
    }
  }

  /**
   * Daemons' outcomes arrive on several network threads: a setup's listener hears them one at a
   * time, in the order the dispatcher took them, so the last comes after every other has been
   * heard (the caller counts the answers it has when the last comes).
   */
  @Test
  void aSetupsOutcomesReachItsListenerOneAtATimeTheLastAfterTheOthers() throws Exception {
    FakeWorker a = join("a", 1);
    FakeWorker b = join("b", 1);
    HoldingA listener = new HoldingA();
    dispatcher.everywhere(new TaskRequest(new byte[] {9}, 0, 0), listener);
    Thread aReports = new Thread(() -> finish(a, 1));
    aReports.start();
    listener.hearingA.await();
    finish(b, 1); // the last outcome, taken while a's is still being heard
    assertThat(listener.heard).as("b's outcome waits for a's to be heard").isEmpty();
    listener.letAGo.countDown();
    aReports.join();
    assertThat(listener.heard).extracting(h -> h.outcome().daemonId(), Heard::last)
        .containsExactly(tuple("a", false), tuple("b", true));
  }

  @Test
  void aSetupCancelledWhileAnOutcomeIsBeingHeardEndsAfterIt() throws Exception {
    FakeWorker a = join("a", 1);
    join("b", 1);
    HoldingA listener = new HoldingA();
    TaskHandle setup = dispatcher.everywhere(new TaskRequest(new byte[] {9}, 0, 0), listener);
    Thread aReports = new Thread(() -> finish(a, 1));
    aReports.start();
    listener.hearingA.await();
    setup.cancel();
    assertThat(listener.heard).as("the cancel waits for a's outcome to be heard").isEmpty();
    listener.letAGo.countDown();
    aReports.join();
    assertThat(listener.heard).extracting(h -> h.outcome().kind(), Heard::last)
        .containsExactly(tuple(TaskOutcome.Kind.SUCCEEDED, false), tuple(TaskOutcome.Kind.CANCELLED, true));
  }

  @Test
  void aCancelledQueuedTaskIsNeverSentAndARunningOneIsCancelledOnItsWorker() {
    FakeWorker w = join("w", 1);
    List<Heard> running = new ArrayList<>();
    var runningHandle = dispatcher.submit(new TaskRequest(new byte[] {1}, 0, 0), (o, l) -> running.add(new Heard(o, l)));
    List<Heard> queued = new ArrayList<>();
    var queuedHandle = dispatcher.submit(new TaskRequest(new byte[] {2}, 0, 0), (o, l) -> queued.add(new Heard(o, l)));
    queuedHandle.cancel();
    assertThat(queued).singleElement().satisfies(h -> assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.CANCELLED));
    runningHandle.cancel();
    assertThat(w.received).anySatisfy(m -> assertThat(m.getCancel().getTaskId()).isEqualTo(1L));
    assertThat(running).hasSize(1);
    // The slot stays taken until the daemon confirms; then the cancelled queued task is skipped.
    submit(0);
    assertThat(w.assigned()).containsExactly(1L);
    finish(w, 1);
    assertThat(running).hasSize(1); // heard once only
    assertThat(w.assigned()).containsExactly(1L, 3L);
  }

  @Test
  void aTaskReturnedByADrainingWorkerGoesBackToTheHeadOfTheQueue() {
    FakeWorker leaving = join("leaving", 1);
    submit(0);
    submit(0);
    dispatcher.draining(leaving.handle, "max tasks");
    assertThat(leaving.received).anySatisfy(m -> assertThat(m.hasDrainAccepted()).isTrue());
    dispatcher.returned(leaving.handle, 1);
    FakeWorker next = join("next", 1);
    assertThat(next.assigned()).containsExactly(1L);
  }

  private FakeWorker join(String id, String... resources) {
    FakeWorker w = new FakeWorker();
    w.handle = dispatcher.join(WorkerHello.newBuilder().setDaemonId(id).setSlots(1).addAllResources(List.of(resources))
        .build(), w::receive, () -> { });
    return w;
  }

  private List<Heard> submitOn(String... resources) {
    List<Heard> heard = java.util.Collections.synchronizedList(new ArrayList<>());
    dispatcher.submit(new TaskRequest(new byte[] {1}, 0, 0, List.of(resources), List.of()),
        (o, last) -> heard.add(new Heard(o, last)));
    return heard;
  }

  @Test
  void workForASupervisedResourceWaitsForTheReplacementOfItsDeadDaemon() {
    dispatcher.supervise(List.of("db"), java.time.Duration.ofMinutes(1));
    FakeWorker holder = join("holder", "db");
    join("other");
    List<Heard> running = submitOn("db");
    assertThat(holder.assigned()).containsExactly(1L);

    dispatcher.exited("holder", "its process was killed by signal 9 (SIGKILL)");
    assertThat(running).singleElement().satisfies(h -> {
      assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.DAEMON_LOST);
      assertThat(h.outcome().message()).contains("holder").contains("SIGKILL");
    });
    List<Heard> waiting = submitOn("db");
    List<Heard> unknown = submitOn("nothing-hosts-this");
    assertThat(waiting).as("held for the replacement").isEmpty();
    assertThat(unknown).singleElement().satisfies(
        h -> assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.UNROUTABLE));

    FakeWorker replacement = join("holder.2", "db");
    assertThat(replacement.assigned()).containsExactly(2L);
    assertThat(dispatcher.status().join().departed()).singleElement().satisfies(d -> {
      assertThat(d.id()).isEqualTo("holder");
      assertThat(d.clean()).isFalse();
      assertThat(d.reason()).contains("SIGKILL");
    });
  }

  @Test
  void workWaitingForASupervisedResourceFailsWhenItsPatienceRunsOut() throws Exception {
    dispatcher.supervise(List.of("db"), java.time.Duration.ofMillis(200));
    FakeWorker holder = join("holder", "db");
    join("other");
    dispatcher.left(holder.handle, "its connection failed");
    long submittedAt = System.nanoTime();
    List<Heard> waiting = submitOn("db");
    long deadline = submittedAt + 30_000_000_000L;
    while (waiting.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
      dispatcher.tick(); // as KapuServer's sweep does
    }
    System.out.printf("a 200 ms patience ran out after %d ms%n", (System.nanoTime() - submittedAt) / 1_000_000);
    assertThat(waiting).singleElement().satisfies(h -> {
      assertThat(h.outcome().kind()).isEqualTo(TaskOutcome.Kind.UNROUTABLE);
      assertThat(h.outcome().message()).startsWith("no daemon hosting [db] has been connected for 200 ms");
    });
    assertThat(dispatcher.status().join().awaiting()).isZero();
  }

  @Test
  void aDaemonThatDrainedLeavesWithItsReasonAndStatusShowsItsRunawayThreads() {
    FakeWorker w = join("w", 1);
    dispatcher.runaways(w.handle, 1);
    assertThat(dispatcher.status().join().daemons()).singleElement()
        .satisfies(d -> assertThat(d.runawayThreads()).isEqualTo(1));
    dispatcher.draining(w.handle, "recycled: task 7 (cancelled) ignored its interrupt for 5000 ms");
    dispatcher.left(w.handle, "it closed its connection");
    assertThat(dispatcher.status().join().departed()).singleElement().satisfies(d -> {
      assertThat(d.clean()).isTrue();
      assertThat(d.reason()).isEqualTo("recycled: task 7 (cancelled) ignored its interrupt for 5000 ms");
    });
  }

  @Test
  void anOperatorCancelsATaskByIdQueuedOrRunningAndTheFiguresCountIt() {
    FakeWorker w = join("d1", 1);
    List<Heard> running = submit(0);
    List<Heard> queued = submit(0);
    long runningId = w.assigned().get(0);
    DispatcherView view = dispatcher.view();
    assertThat(view.queued()).isEqualTo(1);
    assertThat(view.daemons()).singleElement().satisfies(d -> {
      assertThat(d.tasks()).extracting(DispatcherView.RunningTask::id).containsExactly(runningId);
      assertThat(d.tasks()).extracting(DispatcherView.RunningTask::submitter).containsExactly(TaskRequest.IN_PROCESS);
      assertThat(d.report()).as("no heartbeat yet").isNull();
    });

    assertThat(dispatcher.cancelTask(runningId + 1)).as("the queued one").isTrue();
    assertThat(queued).extracting(h -> h.outcome().kind()).containsExactly(TaskOutcome.Kind.CANCELLED);
    assertThat(dispatcher.cancelTask(runningId)).isTrue();
    assertThat(running).extracting(h -> h.outcome().kind()).containsExactly(TaskOutcome.Kind.CANCELLED);
    assertThat(w.received).anyMatch(m -> m.hasCancel() && m.getCancel().getTaskId() == runningId);
    assertThat(dispatcher.cancelTask(runningId)).as("done by now").isFalse();
    assertThat(dispatcher.cancelTask(999)).isFalse();
    assertThat(dispatcher.figures().byOutcome()).containsEntry("cancelled", 2L).containsEntry("ok", 0L);
    assertThat(dispatcher.figures().latency().count()).isEqualTo(2);
  }

  @Test
  void aHeartbeatsReportAndCpuShowInTheView() {
    FakeWorker w = join("d1", 2);
    DaemonReport report = new DaemonReport(1 << 20, 1 << 30, List.of(new DaemonReport.Resource("db", "duckdb", true)),
        List.of(new DaemonReport.Table("t", 10, 800)), java.util.Map.of("slots", "2"), List.of("ticket"), List.of());
    List<String> heard = new ArrayList<>();
    dispatcher.onReport((url, r) -> heard.addAll(r.results()));
    dispatcher.heard(w.handle, new ProcessUsage(1_000_000, 100, 100), report);
    assertThat(dispatcher.view().daemons().get(0).cpuPercent()).as("one report: no rate yet").isEqualTo(-1);
    dispatcher.heard(w.handle, new ProcessUsage(2_000_000_000L, 100, 100), null);
    DispatcherView.DaemonView d = dispatcher.view().daemons().get(0);
    assertThat(d.cpuPercent()).isPositive();
    assertThat(d.report()).as("kept when a heartbeat carries none").isEqualTo(report);
    assertThat(heard).containsExactly("ticket");
  }
}
