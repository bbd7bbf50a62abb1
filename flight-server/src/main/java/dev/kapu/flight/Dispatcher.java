package dev.kapu.flight;

import dev.kapu.flight.Job.State;
import dev.kapu.flight.status.TaskFigures;
import dev.kapu.flight.internal.wire.Assignment;
import dev.kapu.flight.internal.wire.DrainAccepted;
import dev.kapu.flight.internal.wire.TaskDone;
import dev.kapu.flight.internal.wire.ReleaseCode;
import dev.kapu.flight.internal.wire.ToWorker;
import dev.kapu.flight.internal.wire.WorkerHello;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue between clients and daemons. Tasks wait in FIFO order ({@link JobQueue}) and go to a
 * daemon of the {@link WorkerPool} with a free slot; everywhere() setups ({@link EverywhereSetups})
 * go to every daemon, and to each newcomer before its first task.
 *
 * <p>All state is guarded by one lock, the dispatcher's: its parts are not thread-safe and are
 * called under it. Messages to daemons are sent under it (so each daemon's stream sees them in
 * order); listeners are called after it is released.
 *
 * <p>Liveness is observed, not assumed: {@link #tick()}, run every few tens of milliseconds, runs
 * the {@link LivenessSweep}: heartbeats to daemons, daemons silent for the {@link Liveness} bound
 * declared lost, timed tasks whose daemon has not reported by their deadline completed.
 */
final class Dispatcher implements TaskGateway {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  private final Object lock = new Object();
  private final ParkedStreams parked;
  private final JobQueue queue;
  private final WorkerPool pool = new WorkerPool();
  private final FreeWorkers free = new FreeWorkers();
  private final EverywhereSetups setups = new EverywhereSetups();
  private final LivenessSweep sweep;
  private final LongSupplier clock;
  private final CountedOutcomes outcomes;
  /** Hears each daemon's report, with the daemon's Flight URL (set once, before daemons join). */
  private volatile BiConsumer<String, DaemonReport> reports = (url, report) -> {};
  /** Hears each daemon that leaves, with its Flight URL and id. */
  private volatile BiConsumer<String, String> leaving = (url, id) -> {};
  private long nextId = 1;
  private long completed;
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
    this.clock = clock;
    this.queue = new JobQueue(clock);
    this.outcomes = new CountedOutcomes(clock);
    this.sweep = new LivenessSweep(liveness, clock.getAsLong(), this::remove);
  }

  /** {@code listener} hears of every daemon declared lost from now on. */
  public void onDeclaredLost(DaemonLossListener listener) {
    sweep.onDeclaredLost(listener);
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

  @Override
  public TaskHandle submit(TaskRequest request, OutcomeListener taskListener) {
    List<Runnable> after = new ArrayList<>();
    OutcomeListener listener = outcomes.counting(parked.releasingAtEnd(request.parked(), taskListener));
    String unclaimed = parked.claimAll(request.parked());
    Job job;
    synchronized (lock) {
      job = new Job(this, nextId++, request, listener, false);
      if (unclaimed != null) {
        job.state = State.DONE;
        after.add(() -> listener.onOutcome(TaskOutcome.of(TaskOutcome.Kind.CANCELLED,
            "a stream parked for the task expired before the task was submitted", ""), true));
      } else if (closed) {
        job.state = State.DONE;
        after.add(() -> listener.onOutcome(
            TaskOutcome.of(TaskOutcome.Kind.CANCELLED, "the dispatcher is closed", ""), true));
      } else {
        boolean hosted = pool.hosts(job.needs);
        if (!hosted && !pool.isEmpty() && !queue.awaitsHost(job.needs)) {
          job.state = State.DONE;
          after.add(() -> listener.onOutcome(pool.unroutable(job.needs), true));
        } else {
          queue.add(job);
          pump();
          if (!hosted) {
            queue.settleUnhosted(pool, after);
          }
        }
      }
    }
    deliver(after);
    return job;
  }

  /** {@code listener} hears every daemon report from now on, with the daemon's Flight URL; called on a network thread. */
  public void onReport(BiConsumer<String, DaemonReport> listener) {
    this.reports = listener;
  }

  /** {@code listener} hears of every daemon that leaves, whichever way, with its Flight URL and id; outside the lock. */
  public void onLeft(BiConsumer<String, String> listener) {
    this.leaving = listener;
  }

  /** The task figures: outcomes, round trips, the last minutes. */
  public TaskFigures figures() {
    return outcomes.figures();
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
      job = new Job(this, nextId++, request, listener, true);
      if (!setups.start(job, pool)) {
        job.state = State.DONE;
        after.add(() -> listener.onOutcome(
            TaskOutcome.of(TaskOutcome.Kind.SUCCEEDED, "no daemon connected yet", ""), true));
      }
    }
    deliver(after);
    return job;
  }

  /** Tells listeners, outside the lock; a listener that throws harms nobody else. */
  static void deliver(List<Runnable> calls) {
    for (Runnable call : calls) {
      try {
        call.run();
      } catch (RuntimeException e) {
        log.error("a task listener threw; the task's outcome may be lost to its caller", e);
      }
    }
  }

  /** What {@link Job#cancel()} does. */
  void cancel(Job job) {
    List<Runnable> after = new ArrayList<>();
    synchronized (lock) {
      TaskOutcome cancelled = TaskOutcome.of(TaskOutcome.Kind.CANCELLED, "cancelled by the client", "");
      if (job.everywhere) {
        setups.cancel(job, cancelled, after);
      } else if (job.state != State.DONE) {
        if (job.state == State.QUEUED) {
          queue.withdrawn();
        } else {
          // Stays in the worker's running map until the daemon confirms, so its slot stays taken.
          Worker w = job.runsOn;
          if (w != null && w.running.get(job.id) == job) {
            w.cancel(job.id);
          }
        }
        job.state = State.DONE;
        after.add(() -> job.listener.onOutcome(cancelled, true));
      }
    }
    deliver(after);
  }

  /**
   * A daemon said hello; it gets every setup so far, then tasks.
   *
   * @param out sends to the daemon
   * @param end ends the daemon's stream cleanly (on close), after which it leaves
   */
  public Worker join(WorkerHello hello, Consumer<ToWorker> out, Runnable end) {
    synchronized (lock) {
      Worker w = new Worker(hello, out, end, clock.getAsLong());
      pool.add(w);
      free.offer(w);
      w.send(sweep.welcome());
      setups.replayTo(w);
      log.info("{} joined with {} slot(s)", w.describe(), hello.getSlots());
      pump();
      queue.observeHosting(pool);
      return w;
    }
  }

  /** A heartbeat from {@code w}, with what its process uses (null if it sent none). */
  public void heard(Worker w, ProcessUsage usage) {
    heard(w, usage, null);
  }

  /**
   * A heartbeat from {@code w}: its timer, and so its scheduling, still runs. It carries what its
   * process uses and its report (either null if it sent none: the last ones stay).
   */
  public void heard(Worker w, ProcessUsage usage, DaemonReport report) {
    w.heard(usage, report, clock.getAsLong());
    if (report != null) {
      reports.accept(w.hello.getFlightUrl(), report);
    }
  }

  public void done(Worker w, TaskDone done) {
    done(w, List.of(done));
  }

  /** Outcomes the daemon sent together: taken under one hold of the lock, their slots refilled in one pass. */
  public void done(Worker w, List<TaskDone> outcomes) {
    List<Runnable> after = new ArrayList<>();
    synchronized (lock) {
      for (TaskDone done : outcomes) {
        done(w, done, after);
      }
      free.offer(w);
      pump();
    }
    deliver(after);
  }

  private void done(Worker w, TaskDone done, List<Runnable> after) {
    TaskOutcome outcome =
        new TaskOutcome(
            Wire.fromWire(done.getKind()),
            done.getPayload().toByteArray(),
            done.getMessage(),
            w.hello.getDaemonId());
    if (setups.done(w, done.getTaskId(), outcome, after)) {
      return;
    }
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

  /** The daemon got a task after it began to drain; it goes back to the head of the queue. */
  public void returned(Worker w, long taskId) {
    synchronized (lock) {
      Job job = w.running.remove(taskId);
      if (job != null && job.state == State.RUNNING) {
        job.state = State.QUEUED;
        job.attempts--;
        queue.putBack(job);
      }
      free.offer(w);
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
      queue.settleUnhosted(pool, after);
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
    pool.remove(w, cause);
    free.remove(w);
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
        queue.putBack(job);
      } else {
        job.state = State.DONE;
        completed++;
        after.add(() -> job.listener.onOutcome(
            TaskOutcome.of(TaskOutcome.Kind.DAEMON_LOST, message, w.hello.getDaemonId()), true));
      }
    }
    w.running.clear();
    setups.lost(w, message, after);
    BiConsumer<String, String> told = leaving;
    after.add(() -> told.accept(w.hello.getFlightUrl(), w.hello.getDaemonId()));
    return true;
  }

  /** Runs the {@link LivenessSweep}; {@code KapuServer} calls it every few tens of milliseconds. */
  public void tick() {
    long now = clock.getAsLong();
    List<Runnable> after = new ArrayList<>();
    Map<String, String> lost;
    synchronized (lock) {
      if (closed) {
        return;
      }
      lost = sweep.sweep(pool, now, after);
      outcomes.figures().queueDepth(queue.size(), System.currentTimeMillis());
      if (!lost.isEmpty()) {
        queue.settleUnhosted(pool, after);
        pump();
      } else if (queue.waitingForHost()) {
        queue.settleUnhosted(pool, after); // tasks waiting for a supervised resource may have run out of patience
      }
    }
    deliver(after);
    sweep.tell(lost);
  }

  /**
   * A supervisor saw the process of daemon {@code daemonId} end: what it held is lost now, not when
   * its stream breaks. Nothing happens if it already left.
   */
  public void exited(String daemonId, String how) {
    Worker gone;
    synchronized (lock) {
      gone = pool.find(daemonId);
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
      queue.supervise(resources, patience);
      queue.observeHosting(pool);
    }
  }

  /** The daemon stored or dropped a table. */
  public void hosting(Worker w, List<String> resources) {
    synchronized (lock) {
      w.hosting = Set.copyOf(resources);
      pump();
      queue.observeHosting(pool);
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

  /**
   * Under the lock: sends queued tasks to free daemons until none can take one. It walks the ring
   * of {@link FreeWorkers}, not the pool, so its cost does not grow with busy daemons; a daemon
   * that took a task and still has a free slot goes behind the others (round robin), and the walk
   * ends once every daemon in the ring was offered the queue's head without taking a task. What
   * one pass assigns to a daemon goes to it as one message.
   */
  private void pump() {
    Map<Worker, List<Assignment>> assigned = new LinkedHashMap<>();
    int refused = 0;
    while (!queue.isEmpty() && refused < free.size()) {
      Worker w = free.poll();
      if (!w.free()) {
        continue; // filled up, draining or gone since: offered again when a slot frees
      }
      Job job = queue.takeFor(w::hosts);
      if (job == null) {
        free.offer(w); // hosts none of the waiting tasks' resources
        refused++;
        continue;
      }
      refused = 0;
      job.startOn(w, clock.getAsLong());
      assigned.computeIfAbsent(w, k -> new ArrayList<>()).add(job.assignment(false));
      if (w.free()) {
        free.offer(w);
      }
    }
    assigned.forEach(Worker::assign);
  }

  @Override
  public CompletableFuture<ClusterStatus> status() {
    synchronized (lock) {
      return CompletableFuture.completedFuture(pool.status(queue.size(), completed));
    }
  }

  @Override
  public CompletableFuture<Integer> slots() {
    synchronized (lock) {
      return CompletableFuture.completedFuture(pool.slots());
    }
  }

  /**
   * Each connected daemon as the status action shows it, with the tasks it runs now (the
   * dispatcher's own view, exact to the last assignment) and its last report; and the queue.
   */
  public DispatcherView view() {
    long now = clock.getAsLong();
    synchronized (lock) {
      return pool.view(queue.size(), now);
    }
  }

  /** Cancels task {@code id} (queued or running) as its client's cancel would; false if no such task is open. */
  public boolean cancelTask(long id) {
    Job found = null;
    synchronized (lock) {
      found = pool.findRunning(id);
      if (found == null) {
        found = queue.find(id);
      }
    }
    if (found == null) {
      return false;
    }
    found.cancel();
    return true;
  }

  /** Tells every daemon that the session that shipped code {@code codeId} ended. */
  public void releaseCode(String codeId) {
    ToWorker release = ToWorker.newBuilder().setReleaseCode(ReleaseCode.newBuilder().setCodeId(codeId)).build();
    synchronized (lock) {
      for (Worker w : pool) {
        w.send(release);
      }
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
      queue.addAllTo(open);
      for (Worker w : pool) {
        open.addAll(w.running.values());
      }
      setups.addAllTo(open);
    }
    open.forEach(Job::cancel);
    synchronized (lock) {
      pool.forEach(Worker::endStream);
    }
  }
}
