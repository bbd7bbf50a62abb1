package dev.kapu.flight.internal;

import com.google.protobuf.ByteString;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.flight.DaemonLossListener;
import dev.kapu.flight.Liveness;
import dev.kapu.flight.OutcomeListener;
import dev.kapu.flight.TaskGateway;
import dev.kapu.flight.TaskHandle;
import dev.kapu.flight.TaskOutcome;
import dev.kapu.flight.TaskRequest;
import dev.kapu.flight.internal.wire.Assignment;
import dev.kapu.flight.internal.wire.Cancel;
import dev.kapu.flight.internal.wire.DrainAccepted;
import dev.kapu.flight.internal.wire.Heartbeat;
import dev.kapu.flight.internal.wire.Leave;
import dev.kapu.flight.internal.wire.TaskDone;
import dev.kapu.flight.internal.wire.ToWorker;
import dev.kapu.flight.internal.wire.Welcome;
import dev.kapu.flight.internal.wire.WorkerHello;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.TreeSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue between clients and daemons. Tasks wait in FIFO order and go to a daemon with a free
 * slot; everywhere() setups go to every daemon, and to each newcomer before its first task.
 *
 * <p>All state is guarded by one lock. Messages to daemons are sent under it (so each daemon's
 * stream sees them in order); listeners are called after it is released.
 *
 * <p>Liveness is observed, not assumed: {@link #tick()}, run every few tens of milliseconds, sends
 * heartbeats, declares lost the daemons it has not heard a heartbeat from for the {@link Liveness}
 * bound, and completes timed tasks whose daemon has not reported by their deadline.
 */
public final class Dispatcher implements TaskGateway {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final Object lock = new Object();
  private final ParkedStreams parked;
  /** One FIFO per set of required names; across them, the oldest runnable task goes first. */
  private final Map<List<String>, ArrayDeque<Job>> queues = new LinkedHashMap<>();
  private final List<Worker> workers = new ArrayList<>();
  private final List<Job> setups = new ArrayList<>();
  private final ArrayDeque<ClusterStatus.Departure> departed = new ArrayDeque<>();
  private final SupervisedResources supervised = new SupervisedResources();
  private static final int DEPARTURES_KEPT = 256;
  private static final ToWorker HEARTBEAT = ToWorker.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build();
  private final Liveness liveness;
  private final LongSupplier clock;
  private final List<DaemonLossListener> lossListeners = new CopyOnWriteArrayList<>();
  private long lastHeartbeat;
  private long nextId = 1;
  private long queued;
  private long completed;
  private int cursor;
  private boolean closed;

  /** @param parked where streams for tasks wait; freed as their tasks end */
  public Dispatcher(ParkedStreams parked) {
    this(parked, Liveness.DEFAULT, System::nanoTime);
  }

  /**
   * @param parked where streams for tasks wait; freed as their tasks end
   * @param liveness how long a daemon may stay silent
   * @param clock nanoseconds, as {@link System#nanoTime()} counts them
   */
  public Dispatcher(ParkedStreams parked, Liveness liveness, LongSupplier clock) {
    this.parked = parked;
    this.liveness = liveness;
    this.clock = clock;
    this.lastHeartbeat = clock.getAsLong();
  }

  /** {@code listener} hears of every daemon declared lost from now on. */
  public void onDeclaredLost(DaemonLossListener listener) {
    lossListeners.add(listener);
  }

  @Override
  public CompletableFuture<Void> park(String ticket, ArrowReader batches) {
    try {
      parked.park(ticket, batches);
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private enum State {
    QUEUED,
    RUNNING,
    DONE
  }

  private final class Job implements TaskHandle {
    final long id;
    final TaskRequest request;
    final OutcomeListener listener;
    final boolean everywhere;
    final Set<Worker> awaitedWorkers = new LinkedHashSet<>();
    final List<String> needs;
    State state = State.QUEUED;
    int attempts;
    long queuedAt;
    /** Whether the caller waits at most until {@link #deadline} (clock nanoseconds) for this attempt. */
    boolean timed;
    long deadline;

    Job(long id, TaskRequest request, OutcomeListener listener, boolean everywhere) {
      this.id = id;
      this.request = request;
      this.listener = listener;
      this.everywhere = everywhere;
      this.needs = List.copyOf(new TreeSet<>(request.resources()));
    }

    @Override
    public void cancel() {
      Dispatcher.this.cancel(this);
    }

    Assignment assignment(boolean setup) {
      return Assignment.newBuilder()
          .setTaskId(id)
          .setPayload(ByteString.copyFrom(request.payload()))
          .setTimeoutMillis(request.timeoutMillis())
          .setSetup(setup)
          .build();
    }
  }

  /** A connected daemon, as the dispatcher sees it. */
  public final class Worker {
    final WorkerHello hello;
    final Consumer<ToWorker> out;
    final Runnable end;
    final long connectedAt = System.currentTimeMillis();
    /** When its last heartbeat arrived (clock nanoseconds). */
    volatile long lastHeard = clock.getAsLong();
    final Map<Long, Job> running = new HashMap<>();
    final Map<Long, Job> setupsRunning = new HashMap<>();
    Set<String> hosting;
    boolean draining;
    String drainReason;
    boolean gone;
    int runawayThreads;
    long completedHere;
    long failedHere;

    Worker(WorkerHello hello, Consumer<ToWorker> out, Runnable end) {
      this.hello = hello;
      this.out = out;
      this.end = end;
      this.hosting = Set.copyOf(hello.getResourcesList());
    }

    boolean hosts(List<String> needs) {
      return hosting.containsAll(needs);
    }

    boolean free() {
      return !draining && !gone && setupsRunning.isEmpty() && running.size() < hello.getSlots();
    }

    void send(ToWorker message) {
      try {
        out.accept(message);
      } catch (RuntimeException e) {
        // The stream is closing; its close callback reports the loss.
        log.debug("could not send to daemon {}: {}", hello.getDaemonId(), e.toString());
      }
    }

    String describe() {
      return "daemon " + hello.getDaemonId() + " (" + hello.getHost() + ", pid " + hello.getPid() + ")";
    }
  }

  @Override
  public TaskHandle submit(TaskRequest request, OutcomeListener taskListener) {
    List<Runnable> after = new ArrayList<>();
    OutcomeListener listener = freeingParked(request, taskListener);
    String unclaimed = null;
    for (String ticket : request.parked()) {
      if (unclaimed == null && !parked.claim(ticket)) {
        unclaimed = ticket;
      }
    }
    Job job;
    synchronized (lock) {
      job = new Job(nextId++, request, listener, false);
      if (unclaimed != null) {
        job.state = State.DONE;
        after.add(() -> listener.onOutcome(TaskOutcome.of(TaskOutcome.Kind.CANCELLED,
            "a stream parked for the task expired before the task was submitted", ""), true));
      } else if (closed) {
        job.state = State.DONE;
        after.add(() -> listener.onOutcome(
            TaskOutcome.of(TaskOutcome.Kind.CANCELLED, "the dispatcher is closed", ""), true));
      } else {
        boolean hosted = workers.stream().anyMatch(w -> w.hosts(job.needs));
        if (!hosted && !workers.isEmpty() && !supervised.awaits(job.needs)) {
          job.state = State.DONE;
          after.add(() -> listener.onOutcome(unroutable(job), true));
        } else {
          enqueue(job, false);
          pump();
          if (!hosted) {
            settleUnhosted(after);
          }
        }
      }
    }
    deliver(after);
    return job;
  }

  /** The task's parked streams are freed as soon as it ends, whichever way. */
  private OutcomeListener freeingParked(TaskRequest request, OutcomeListener listener) {
    if (request.parked().isEmpty()) {
      return listener;
    }
    return (outcome, last) -> {
      if (last) {
        request.parked().forEach(parked::release);
      }
      listener.onOutcome(outcome, last);
    };
  }

  private void enqueue(Job job, boolean first) {
    ArrayDeque<Job> queue = queues.computeIfAbsent(job.needs, k -> new ArrayDeque<>());
    if (first) {
      queue.addFirst(job);
    } else {
      queue.addLast(job);
    }
    job.queuedAt = clock.getAsLong();
    queued++;
  }

  private TaskOutcome unroutable(Job job) {
    Set<String> hosted = new TreeSet<>();
    workers.forEach(w -> hosted.addAll(w.hosting));
    return TaskOutcome.of(TaskOutcome.Kind.UNROUTABLE, "no connected daemon hosts " + job.needs
        + " (the daemons host " + hosted + ")", "");
  }

  @Override
  public TaskHandle everywhere(TaskRequest request, OutcomeListener listener) {
    if (!request.parked().isEmpty()) {
      throw new IllegalArgumentException("an everywhere() setup runs on every daemon, so it cannot take"
          + " streams that are fetched once");
    }
    List<Runnable> after = new ArrayList<>();
    Job job;
    synchronized (lock) {
      job = new Job(nextId++, request, listener, true);
      job.state = State.RUNNING;
      setups.add(job);
      for (Worker w : workers) {
        if (!w.draining) {
          job.awaitedWorkers.add(w);
          w.setupsRunning.put(job.id, job);
          w.send(ToWorker.newBuilder().setAssign(job.assignment(true)).build());
        }
      }
      if (job.awaitedWorkers.isEmpty()) {
        job.state = State.DONE;
        after.add(() -> listener.onOutcome(
            TaskOutcome.of(TaskOutcome.Kind.SUCCEEDED, "no daemon connected yet", ""), true));
      }
    }
    deliver(after);
    return job;
  }

  /** Tells listeners, outside the lock; a listener that throws harms nobody else. */
  private static void deliver(List<Runnable> calls) {
    for (Runnable call : calls) {
      try {
        call.run();
      } catch (RuntimeException e) {
        log.error("a task listener threw; the task's outcome may be lost to its caller", e);
      }
    }
  }

  private void cancel(Job job) {
    List<Runnable> after = new ArrayList<>();
    synchronized (lock) {
      if (job.everywhere) {
        setups.remove(job);
        for (Worker w : job.awaitedWorkers) {
          w.send(cancelMessage(job.id));
        }
      }
      if (job.state == State.DONE) {
        return;
      }
      if (job.state == State.QUEUED) {
        queued--; // removed lazily: pump() skips jobs that are no longer QUEUED
      } else if (!job.everywhere) {
        // Stays in the worker's running map until the daemon confirms, so its slot stays taken.
        for (Worker w : workers) {
          if (w.running.get(job.id) == job) {
            w.send(cancelMessage(job.id));
          }
        }
      }
      job.state = State.DONE;
      after.add(() -> job.listener.onOutcome(
          TaskOutcome.of(TaskOutcome.Kind.CANCELLED, "cancelled by the client", ""), true));
    }
    deliver(after);
  }

  private static ToWorker cancelMessage(long id) {
    return ToWorker.newBuilder().setCancel(Cancel.newBuilder().setTaskId(id)).build();
  }

  /**
   * A daemon said hello; it gets every setup so far, then tasks.
   *
   * @param out sends to the daemon
   * @param end ends the daemon's stream cleanly (on close), after which it leaves
   */
  public Worker join(WorkerHello hello, Consumer<ToWorker> out, Runnable end) {
    synchronized (lock) {
      Worker w = new Worker(hello, out, end);
      workers.add(w);
      w.send(ToWorker.newBuilder().setWelcome(Welcome.newBuilder()
          .setHeartbeatMillis(liveness.heartbeat().toMillis())
          .setLivenessMillis(liveness.bound().toMillis())).build());
      for (Job setup : setups) {
        w.setupsRunning.put(setup.id, setup);
        w.send(ToWorker.newBuilder().setAssign(setup.assignment(true)).build());
      }
      log.info("{} joined with {} slot(s)", w.describe(), hello.getSlots());
      pump();
      observeHosting();
      return w;
    }
  }

  /** A heartbeat from the daemon: its timer, and so its scheduling, still runs. */
  public void heard(Worker w) {
    w.lastHeard = clock.getAsLong();
  }

  public void done(Worker w, TaskDone done) {
    List<Runnable> after = new ArrayList<>();
    synchronized (lock) {
      TaskOutcome outcome =
          new TaskOutcome(
              Wire.fromWire(done.getKind()),
              done.getPayload().toByteArray(),
              done.getMessage(),
              w.hello.getDaemonId());
      Job setup = w.setupsRunning.remove(done.getTaskId());
      if (setup != null) {
        if (outcome.kind() != TaskOutcome.Kind.SUCCEEDED) {
          w.failedHere++;
          log.warn("everywhere() setup {} ended {} on {}", setup.id, outcome.kind(), w.describe());
        }
        if (setup.awaitedWorkers.remove(w) && setup.state != State.DONE) {
          boolean last = setup.awaitedWorkers.isEmpty();
          if (last) {
            setup.state = State.DONE;
          }
          after.add(() -> setup.listener.onOutcome(outcome, last));
        }
      } else {
        Job job = w.running.remove(done.getTaskId());
        if (job != null) {
          completed++;
          w.completedHere++;
          if (outcome.kind() != TaskOutcome.Kind.SUCCEEDED) {
            w.failedHere++;
          }
          if (job.state != State.DONE) {
            job.state = State.DONE;
            after.add(() -> job.listener.onOutcome(outcome, true));
          }
        }
      }
      pump();
    }
    deliver(after);
  }

  /** The daemon got a task after it began to drain; it goes back to the head of the queue. */
  public void returned(Worker w, long taskId) {
    synchronized (lock) {
      Job job = w.running.remove(taskId);
      if (job != null && job.state == State.RUNNING) {
        job.state = State.QUEUED;
        job.attempts--;
        enqueue(job, true);
      }
      pump();
    }
  }

  public void draining(Worker w, String reason) {
    synchronized (lock) {
      if (w.gone) {
        return;
      }
      w.draining = true;
      w.drainReason = reason;
      log.info("{} is leaving: {}", w.describe(), reason);
      w.send(ToWorker.newBuilder().setDrainAccepted(DrainAccepted.getDefaultInstance()).build());
    }
  }

  /** The daemon's stream ended; what it held is retried or completed as lost. */
  public void left(Worker w, String cause) {
    List<Runnable> after = new ArrayList<>();
    synchronized (lock) {
      if (!remove(w, cause, after)) {
        return;
      }
      settleUnhosted(after);
      pump();
    }
    deliver(after);
  }

  /**
   * Takes a daemon out of the pool: its tasks go back to the queue if they have retries left and
   * fail as lost otherwise; later messages from it find nothing. False if it was already out.
   */
  private boolean remove(Worker w, String cause, List<Runnable> after) {
    if (w.gone) {
      return false;
    }
    w.gone = true;
    workers.remove(w);
    if (departed.size() == DEPARTURES_KEPT) {
      departed.removeFirst();
    }
    // Clean: it drained and held nothing when its stream ended.
    boolean clean = w.draining && w.running.isEmpty() && w.setupsRunning.isEmpty();
    String reason = w.drainReason == null ? cause
        : clean ? w.drainReason
        : cause + " while it was leaving (" + w.drainReason + ")";
    departed.addLast(new ClusterStatus.Departure(w.hello.getDaemonId(), clean, reason,
        System.currentTimeMillis()));
    if (w.running.isEmpty() && w.setupsRunning.isEmpty()) {
      log.info("{} left", w.describe());
    } else {
      log.warn("{} lost with {} task(s): {}", w.describe(), w.running.size(), cause);
    }
    String message = w.describe() + " was lost while running the task: " + cause;
    for (Job job : w.running.values()) {
      if (job.state != State.RUNNING) {
        continue;
      }
      if (job.attempts <= job.request.maxRetries()) {
        job.state = State.QUEUED;
        enqueue(job, true);
      } else {
        job.state = State.DONE;
        completed++;
        after.add(() -> job.listener.onOutcome(
            TaskOutcome.of(TaskOutcome.Kind.DAEMON_LOST, message, w.hello.getDaemonId()), true));
      }
    }
    w.running.clear();
    for (Job setup : w.setupsRunning.values()) {
      if (setup.awaitedWorkers.remove(w) && setup.state != State.DONE) {
        boolean last = setup.awaitedWorkers.isEmpty();
        if (last) {
          setup.state = State.DONE;
        }
        after.add(() -> setup.listener.onOutcome(
            TaskOutcome.of(TaskOutcome.Kind.DAEMON_LOST, message, w.hello.getDaemonId()), last));
      }
    }
    w.setupsRunning.clear();
    return true;
  }

  /**
   * The sweep: heartbeats to daemons when one is due, daemons silent for the liveness bound
   * declared lost, and timed tasks past their deadline completed. Runs every few tens of
   * milliseconds (on a timer of {@code KapuServer}'s), so no task pays for a timer of its own.
   */
  public void tick() {
    long now = clock.getAsLong();
    List<Runnable> after = new ArrayList<>();
    Map<String, String> lost = new LinkedHashMap<>();
    synchronized (lock) {
      if (closed) {
        return;
      }
      boolean beat = now - lastHeartbeat >= liveness.heartbeat().toNanos();
      if (beat) {
        lastHeartbeat = now;
      }
      for (Worker w : List.copyOf(workers)) {
        if (liveness.silent(w.lastHeard, now)) {
          String reason = "no heartbeat from it for " + (now - w.lastHeard) / 1_000_000 + " ms (the liveness bound is "
              + liveness.bound().toMillis() + " ms): it is frozen, cut off or gone";
          declareLost(w, reason, after);
          lost.put(w.hello.getDaemonId(), reason);
        } else {
          if (beat) {
            w.send(HEARTBEAT);
          }
          expireOverdue(w, now, after);
        }
      }
      if (!lost.isEmpty()) {
        settleUnhosted(after);
        pump();
      } else if (supervised.waiting()) {
        settleUnhosted(after); // tasks waiting for a supervised resource may have run out of patience
      }
    }
    deliver(after);
    lost.forEach((id, reason) -> lossListeners.forEach(l -> {
      try {
        l.declaredLost(id, reason);
      } catch (RuntimeException e) {
        log.error("a daemon-loss listener threw", e);
      }
    }));
  }

  /** Tells the daemon to leave, ends its stream, and takes it out of the pool with its tasks. */
  private void declareLost(Worker w, String reason, List<Runnable> after) {
    log.warn("{} declared lost: {}", w.describe(), reason);
    w.send(ToWorker.newBuilder().setLeave(Leave.newBuilder().setReason(reason)).build());
    end(w);
    remove(w, "it was declared lost: " + reason, after);
  }

  /**
   * Timed tasks on {@code w} past their deadline complete TIMED_OUT and the daemon is told to stop
   * them; each keeps its slot until the daemon confirms or is declared lost, as a cancelled one does.
   */
  private void expireOverdue(Worker w, long now, List<Runnable> after) {
    for (Job job : w.running.values()) {
      if (job.timed && job.state == State.RUNNING && Deadlines.passed(job.deadline, now)) {
        job.state = State.DONE;
        w.send(cancelMessage(job.id));
        TaskOutcome outcome = TaskOutcome.of(TaskOutcome.Kind.TIMED_OUT, Deadlines.message(job.request),
            w.hello.getDaemonId());
        after.add(() -> job.listener.onOutcome(outcome, true));
      }
    }
  }

  private static void end(Worker w) {
    try {
      w.end.run();
    } catch (RuntimeException e) {
      log.debug("ending the stream of {} failed: {}", w.describe(), e.toString());
    }
  }

  /**
   * A supervisor saw the process of daemon {@code daemonId} end: what it held is lost now, not when
   * its stream breaks. Nothing happens if it already left.
   */
  public void exited(String daemonId, String how) {
    Worker gone;
    synchronized (lock) {
      gone = workers.stream().filter(w -> w.hello.getDaemonId().equals(daemonId)).findFirst().orElse(null);
    }
    if (gone != null) {
      left(gone, how);
    }
  }

  /**
   * Work naming only these resources (or none) waits up to {@code patience} for a daemon that
   * hosts them, instead of failing, while none does: a supervisor is bringing their daemon back.
   */
  public void supervise(Collection<String> resources, Duration patience) {
    synchronized (lock) {
      supervised.add(resources, patience);
      observeHosting();
    }
  }

  /**
   * Queued tasks that no connected daemon can run: those that {@link #supervise supervised}
   * resources cover wait until their patience runs out (the sweep looks again), the others fail
   * now, unless no daemon is connected at all (a controller may be starting daemons; an empty pool
   * is not a verdict).
   */
  private void settleUnhosted(List<Runnable> after) {
    long now = clock.getAsLong();
    boolean waiting = false;
    for (var entry : queues.entrySet()) {
      List<String> needs = entry.getKey();
      boolean hosted = workers.stream().anyMatch(w -> w.hosts(needs));
      supervised.observe(needs, hosted, now);
      boolean waits = supervised.awaits(needs);
      if (hosted || (!waits && workers.isEmpty())) {
        continue;
      }
      for (Job job : entry.getValue()) {
        if (job.state != State.QUEUED) {
          continue;
        }
        if (waits && supervised.deadline(needs, job.queuedAt) - now > 0) {
          waiting = true;
          continue;
        }
        job.state = State.DONE;
        queued--;
        TaskOutcome outcome = waits
            ? TaskOutcome.of(TaskOutcome.Kind.UNROUTABLE, supervised.waitedTooLong(needs), "")
            : unroutable(job);
        after.add(() -> job.listener.onOutcome(outcome, true));
      }
      if (!waits) {
        entry.getValue().clear();
      }
    }
    supervised.waiting(waiting);
  }

  /** Under the lock: supervised resources that have a host again start a fresh patience when they lose it. */
  private void observeHosting() {
    if (!supervised.active()) {
      return;
    }
    long now = clock.getAsLong();
    for (List<String> needs : queues.keySet()) {
      supervised.observe(needs, workers.stream().anyMatch(w -> w.hosts(needs)), now);
    }
  }

  /** The daemon stored or dropped a table. */
  public void hosting(Worker w, List<String> resources) {
    synchronized (lock) {
      w.hosting = Set.copyOf(resources);
      pump();
      observeHosting();
    }
  }

  /** How many threads of stopped tasks still run on the daemon, ignoring their interrupt. */
  public void runaways(Worker w, int threads) {
    synchronized (lock) {
      if (threads > w.runawayThreads) {
        log.warn("{} has {} thread(s) of stopped tasks that ignore their interrupt", w.describe(), threads);
      }
      w.runawayThreads = threads;
    }
  }

  private void pump() {
    if (queued == 0) {
      return;
    }
    boolean sent = true;
    while (sent && queued > 0) {
      sent = false;
      int n = workers.size();
      for (int i = 0; i < n; i++) {
        // Round robin, so load spreads when many daemons are idle.
        Worker w = workers.get((cursor + i) % n);
        if (!w.free()) {
          continue;
        }
        Job job = nextJobFor(w);
        if (job == null) {
          continue;
        }
        queued--;
        job.state = State.RUNNING;
        job.attempts++;
        job.timed = Deadlines.timed(job.request);
        if (job.timed) {
          job.deadline = clock.getAsLong() + Deadlines.spanNanos(job.request);
        }
        w.running.put(job.id, job);
        w.send(ToWorker.newBuilder().setAssign(job.assignment(false)).build());
        cursor = (cursor + i + 1) % n;
        sent = true;
        break;
      }
    }
  }

  /** The oldest queued task this worker can run, taken off its queue; null if none. */
  private Job nextJobFor(Worker w) {
    ArrayDeque<Job> best = null;
    for (ArrayDeque<Job> queue : queues.values()) {
      while (!queue.isEmpty() && queue.peekFirst().state != State.QUEUED) {
        queue.pollFirst(); // cancelled while queued
      }
      if (!queue.isEmpty() && w.hosts(queue.peekFirst().needs)
          && (best == null || queue.peekFirst().id < best.peekFirst().id)) {
        best = queue;
      }
    }
    return best == null ? null : best.pollFirst();
  }

  @Override
  public CompletableFuture<ClusterStatus> status() {
    synchronized (lock) {
      List<ClusterStatus.Daemon> daemons = new ArrayList<>();
      long executing = 0;
      for (Worker w : workers) {
        long here = w.running.values().stream().filter(j -> j.state == State.RUNNING).count();
        executing += here;
        daemons.add(new ClusterStatus.Daemon(
            w.hello.getDaemonId(), w.hello.getHost(), w.hello.getPid(), w.hello.getSlots(),
            here, w.completedHere, w.failedHere, w.connectedAt, w.draining,
            List.copyOf(new TreeSet<>(w.hosting)), w.hello.getFlightUrl(), w.runawayThreads));
      }
      return CompletableFuture.completedFuture(
          new ClusterStatus(queued, executing, completed, List.copyOf(daemons), List.copyOf(departed)));
    }
  }

  /**
   * Cancels everything still queued or running, then ends every daemon's stream so that daemons
   * leave at once (and cleanly); later submissions are refused.
   */
  @Override
  public void close() {
    List<Job> open = new ArrayList<>();
    synchronized (lock) {
      closed = true;
      queues.values().forEach(open::addAll);
      for (Worker w : workers) {
        open.addAll(w.running.values());
      }
      open.addAll(setups);
    }
    open.forEach(Job::cancel);
    synchronized (lock) {
      workers.forEach(Dispatcher::end);
    }
  }
}
