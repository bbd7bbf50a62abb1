package dev.kapu.client.controller;

import dev.kapu.api.DaemonLostException;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.MapJob;
import dev.kapu.api.MapOptions;
import dev.kapu.client.TaskFuture;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.internal.SessionDirectories;
import dev.kapu.client.launch.Launch;
import dev.kapu.client.launch.LaunchException;
import dev.kapu.client.launch.LaunchRequest;
import dev.kapu.client.launch.Launcher;
import dev.kapu.client.launch.LocalLauncher;
import dev.kapu.client.launch.WorkerCommand;
import dev.kapu.api.KapuConfig;
import dev.kapu.api.ArrowTask;
import dev.kapu.api.MapFunction;
import dev.kapu.api.ResourceSpec;
import dev.kapu.api.Task;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.api.Endpoint;
import dev.kapu.flight.Liveness;
import dev.kapu.serial.Codec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dispatcher with workers that come and go with the work: R's {@code crew} for Kapu.
 *
 * <p>A controller runs its own dispatcher (a {@link LocalKapu} with no daemons of its own) and
 * launches workers through a {@link Launcher}: local processes, SSH hosts, SLURM jobs, or a
 * command template. Every round of autoscaling (100 ms by default, and at once when a task is
 * pushed) it compares demand with supply and launches only the missing workers:
 *
 * <ul>
 *   <li><b>demand</b> = tasks awaiting at the dispatcher + tasks executing on workers that are not
 *       leaving, in workers ({@code slots} tasks each), capped at {@code maxWorkers};
 *   <li><b>supply</b> = workers connected and not leaving + workers launched and still inside
 *       their connect window ({@code launchTimeout}).
 * </ul>
 *
 * Workers leave on their own after {@code idle} without work, after {@code wall} in all, or after
 * {@code tasksMax} tasks, so a controller with nothing to do shrinks to zero workers.
 *
 * <p>Named tasks go through {@link #push}; their results wait for {@link #pop}, {@link #collect}
 * or {@link #waitAll}. If the worker running a pushed task dies, the task is sent again (a worker
 * is relaunched for it) until it has crashed {@code crashesMax} times; one more crash hands it to
 * the {@code backup} controller if there is one, else it ends as {@link TaskResult.Status#CRASHED}
 * with a {@link CrashLimitException}.
 *
 * <p>A controller is also a {@link Kapu}: {@link #submit}, {@link #map}, {@link #everywhere} and
 * {@link #executor} run on its workers and drive its autoscaling the same way. Those tasks are
 * retried by the dispatcher up to {@code crashesMax} times when a worker dies (unless you set
 * {@code taskOptions}), but are not handed to a backup.
 *
 * <pre>{@code
 * try (Controller c = Controller.builder().name("cpu").maxWorkers(4).idle(Duration.ofSeconds(30)).build()) {
 *   c.push("a", ctx -> 6 * 7);
 *   c.waitAll(Duration.ofMinutes(1));
 *   TaskResult r = c.pop().orElseThrow();
 * }
 * }</pre>
 */
public final class Controller implements Kapu {
  private static final Logger log = LoggerFactory.getLogger(Controller.class);
  private static final int ENDED_WORKERS_KEPT = 1000;
  private static final long WAKE_DELAY_MILLIS = 15;
  private static final long RESOURCE_SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final String LOCAL_HOST = localHostName();

  private final String name;
  private final LocalKapu kapu;
  private final Launcher launcher;
  private final int maxWorkers;
  private final int slots;
  private final long launchTimeoutNanos;
  private final int crashesMax;
  private final Controller backup;
  private final int launchFailuresMax;
  private final Path directory;
  private final boolean keepDirectory;
  private final WorkerCommand command;
  private final TaskOptions pushOptions;
  private final ScheduledExecutorService loop;
  private final AtomicBoolean wakeQueued = new AtomicBoolean();
  private volatile Thread loopThread;
  private final List<Runnable> resultListeners = new CopyOnWriteArrayList<>();

  /** Guards everything below; never held while calling the session, a launcher or a listener. */
  private final Object lock = new Object();
  private final LinkedHashMap<String, Worker> workers = new LinkedHashMap<>();
  private final ArrayDeque<String> endedOrder = new ArrayDeque<>();
  private final LinkedHashMap<String, ControllerTask<?>> tasks = new LinkedHashMap<>();
  private final ArrayDeque<TaskResult> results = new ArrayDeque<>();
  private long unresolved;
  private long launchSequence;
  private long autoName;
  private long launched;
  private long failedLaunches;
  private long consecutiveFailures;
  private long pushed;
  private long crashes;
  private long backoffUntil;
  private long backoffMillis;
  private String lastLaunchFailure;
  private ClusterStatus lastStatus = new ClusterStatus(0, 0, 0, List.of(), List.of());
  private volatile boolean closed;

  private Controller(Builder b, LocalKapu kapu, Path directory, WorkerCommand command) {
    this.name = b.name;
    this.kapu = kapu;
    this.launcher = b.launcher != null ? b.launcher : new LocalLauncher();
    this.maxWorkers = b.maxWorkers;
    this.slots = b.slots;
    this.launchTimeoutNanos = b.launchTimeout.toNanos();
    this.crashesMax = b.crashesMax;
    this.backup = b.backup;
    this.launchFailuresMax = b.launchFailuresMax;
    this.directory = directory;
    this.keepDirectory = b.keepDirectory;
    this.command = command;
    this.pushOptions = b.taskOptions != null ? b.taskOptions.withRetries(0) : TaskOptions.DEFAULT;
    ScheduledThreadPoolExecutor l = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "kapu-controller-" + b.name);
      t.setDaemon(true);
      loopThread = t;
      return t;
    });
    l.setRemoveOnCancelPolicy(true);
    this.loop = l;
    loop.scheduleWithFixedDelay(this::round, 0, b.interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The controller's name, unique within a {@link ControllerGroup}. */
  public String name() {
    return name;
  }

  /** Where workers connect: URL, token and, with TLS, the certificate to trust. */
  public Endpoint endpoint() {
    return kapu.endpoint();
  }

  /** How workers are started: the command the launcher runs. */
  public WorkerCommand workerCommand() {
    return command;
  }

  /** The private directory with the token file, scripts and worker logs. */
  public Path directory() {
    return directory;
  }

  // ---------------------------------------------------------------- push, pop, wait

  /** Pushes a task under {@code name} (null: {@code task-<n>}); see {@link #push(String, Task, TaskOptions)}. */
  public <T> ControllerTask<T> push(String name, Task<T> task) {
    return push(name, task, pushOptions);
  }

  /**
   * Queues a named task and launches a worker for it if supply falls short. Names are unique among
   * tasks pushed here and not yet popped. {@code options.retries()} is ignored: crashes are
   * retried by the controller, up to {@code crashesMax}.
   *
   * @throws IllegalArgumentException if the name is taken
   */
  public <T> ControllerTask<T> push(String name, Task<T> task, TaskOptions options) {
    ControllerTask<T> t = enqueue(name, task, options);
    attempt(t);
    wake();
    return t;
  }

  /** Registers a named task; {@link #attempt} sends it. */
  private <T> ControllerTask<T> enqueue(String name, Task<T> task, TaskOptions options) {
    ensureOpen();
    ControllerTask<T> t;
    synchronized (lock) {
      String n = name;
      if (n == null) {
        do {
          n = "task-" + (++autoName);
        } while (tasks.containsKey(n));
      } else if (tasks.containsKey(n)) {
        throw new IllegalArgumentException("a task named '" + n + "' was pushed to controller " + this.name
            + " and not yet popped");
      }
      t = new ControllerTask<>(n, task, options.withRetries(0), this);
      tasks.put(n, t);
      pushed++;
      unresolved++;
    }
    return t;
  }

  /**
   * Pushes one task per item, named {@code prefix-0}, {@code prefix-1}, ..., and returns at once
   * (crew's {@code walk}); collect the results with {@link #pop}, {@link #collect} or the futures.
   * Each item travels inside its task, so it must be {@link java.io.Serializable}. For many small
   * items {@link #map}, which sends them in chunks, is much faster.
   *
   * @throws IllegalArgumentException if one of the names is taken (then nothing is pushed)
   */
  public <T, R> List<ControllerTask<R>> walk(String prefix, List<T> items, MapFunction<? super T, ? extends R> fn) {
    synchronized (lock) {
      for (int i = 0; i < items.size(); i++) {
        if (tasks.containsKey(prefix + "-" + i)) {
          throw new IllegalArgumentException("a task named '" + prefix + "-" + i + "' was pushed to"
              + " controller " + name + " and not yet popped");
        }
      }
    }
    List<ControllerTask<R>> pushedTasks = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      T item = items.get(i);
      Task<R> task = ctx -> fn.apply(item);
      pushedTasks.add(enqueue(prefix + "-" + i, task, pushOptions));
    }
    pushedTasks.forEach(this::attempt);
    wake(); // after all of them, so one launch covers them (one job array for a scheduler)
    return pushedTasks;
  }

  /** The oldest ended task not yet popped, if any; does not wait. */
  public Optional<TaskResult> pop() {
    synchronized (lock) {
      TaskResult r = results.pollFirst();
      if (r != null) {
        tasks.remove(r.name());
      }
      return Optional.ofNullable(r);
    }
  }

  /** Waits up to {@code timeout} for a task to end, then pops it. */
  public Optional<TaskResult> pop(Duration timeout) {
    waitOne(timeout);
    return pop();
  }

  /** Every ended task not yet popped, oldest first. */
  public List<TaskResult> collect() {
    synchronized (lock) {
      List<TaskResult> all = new ArrayList<>(results);
      results.clear();
      all.forEach(r -> tasks.remove(r.name()));
      return all;
    }
  }

  /** Waits until every pushed task has ended; false if {@code timeout} passed first. */
  public boolean waitAll(Duration timeout) {
    return await(timeout, () -> unresolved == 0);
  }

  /**
   * Waits until at least one ended task waits to be popped; false if {@code timeout} passed first
   * or nothing is pushed and unpopped.
   */
  public boolean waitOne(Duration timeout) {
    await(timeout, () -> !results.isEmpty() || unresolved == 0);
    synchronized (lock) {
      return !results.isEmpty();
    }
  }

  private boolean await(Duration timeout, java.util.function.BooleanSupplier done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!done.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || closed) {
          return done.getAsBoolean();
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  /** Cancels the named pushed tasks that have not ended; true if any was. */
  public boolean cancel(String... names) {
    List<ControllerTask<?>> found = new ArrayList<>();
    synchronized (lock) {
      for (String n : names) {
        ControllerTask<?> t = tasks.get(n);
        if (t != null) {
          found.add(t);
        }
      }
    }
    boolean any = false;
    for (ControllerTask<?> t : found) {
      any |= t.cancel(true);
    }
    return any;
  }

  /** Cancels every pushed task that has not ended; returns how many were. */
  public int cancelAll() {
    List<ControllerTask<?>> open;
    synchronized (lock) {
      open = new ArrayList<>(tasks.values());
    }
    int n = 0;
    for (ControllerTask<?> t : open) {
      n += t.cancel(true) ? 1 : 0;
    }
    return n;
  }

  /** Sends one attempt of {@code t} to this controller's dispatcher. */
  <T> void attempt(ControllerTask<T> t) {
    TaskFuture<T> f;
    try {
      if (closed) {
        throw new CancellationException("controller " + name + " is terminated");
      }
      t.controller = name;
      f = kapu.submit(t.task, t.options);
    } catch (CancellationException e) {
      t.owner.resolve(t, TaskResult.Status.CANCELLED, null, e);
      return;
    } catch (RuntimeException e) {
      t.owner.resolve(t, TaskResult.Status.FAILED, null, e);
      return;
    }
    t.current = f;
    if (t.isDone()) {
      f.cancel(true); // cancelled while being sent
    }
    f.whenComplete((v, e) -> onAttempt(t, v, e));
  }

  private <T> void onAttempt(ControllerTask<T> t, T value, Throwable e) {
    if (e == null) {
      t.owner.resolve(t, TaskResult.Status.SUCCEEDED, value, null);
      return;
    }
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof DaemonLostException lost && !t.isDone() && !closed) {
      synchronized (lock) {
        crashes++;
        Worker w = workers.get(lost.daemonId());
        if (w != null) {
          w.crashesReported++;
        }
      }
      synchronized (t) {
        t.crashes++;
        t.crashesHere++;
        t.lostWorkers.add(lost.daemonId());
      }
      if (t.crashesHere <= crashesMax) {
        log.info("controller {}: task {} crashed on worker {} ({} of {} crash(es) allowed); sending it again",
            name, t.name, lost.daemonId(), t.crashesHere, crashesMax);
        attempt(t);
        wake();
      } else if (backup != null) {
        log.info("controller {}: task {} crashed {} time(s); handing it to backup controller {}",
            name, t.name, t.crashesHere, backup.name);
        t.crashesHere = 0;
        backup.attempt(t);
        backup.wake();
      } else {
        List<String> lostWorkers;
        synchronized (t) {
          lostWorkers = List.copyOf(t.lostWorkers);
        }
        t.owner.resolve(t, TaskResult.Status.CRASHED, null, new CrashLimitException("task " + t.name
            + " crashed " + t.crashes + " time(s), more than controller " + name + " allows ("
            + crashesMax + "); lost workers " + lostWorkers + ": " + lost.getMessage(), t.crashes, lostWorkers));
      }
      return;
    }
    boolean cancelled = cause instanceof CancellationException;
    t.owner.resolve(t, cancelled ? TaskResult.Status.CANCELLED : TaskResult.Status.FAILED, null, cause);
  }

  /** Ends a task this controller owns, exactly once: its future, then its result for pop(). */
  <T> void resolve(ControllerTask<T> t, TaskResult.Status status, Object value, Throwable error) {
    if (!t.resolved.compareAndSet(false, true)) {
      return;
    }
    List<String> lost;
    synchronized (t) {
      lost = List.copyOf(t.lostWorkers);
    }
    TaskResult r = new TaskResult(t.name, status, value, error, t.controller, t.crashes, lost,
        (System.nanoTime() - t.pushedAt) / 1e9);
    // The future first, so that a popped result's future is always done.
    if (status == TaskResult.Status.SUCCEEDED) {
      @SuppressWarnings("unchecked")
      T v = (T) value;
      t.complete(v);
    } else if (status == TaskResult.Status.CANCELLED) {
      t.cancel(false);
    } else {
      t.completeExceptionally(error);
    }
    synchronized (lock) {
      results.addLast(r);
      unresolved--;
      lock.notifyAll();
    }
    for (Runnable listener : resultListeners) {
      try {
        listener.run();
      } catch (RuntimeException ex) {
        log.warn("a result listener threw", ex);
      }
    }
  }

  void addResultListener(Runnable listener) {
    resultListeners.add(listener);
  }

  long unresolved() {
    synchronized (lock) {
      return unresolved;
    }
  }

  boolean hasResults() {
    synchronized (lock) {
      return !results.isEmpty();
    }
  }

  // ---------------------------------------------------------------- autoscaling

  /**
   * Runs a round of autoscaling shortly, on the controller's thread. The short delay lets a burst
   * of pushes land first, so that one launch (one job array) covers them.
   */
  private void wake() {
    if (!closed && wakeQueued.compareAndSet(false, true)) {
      try {
        loop.schedule(() -> {
          wakeQueued.set(false);
          round();
        }, WAKE_DELAY_MILLIS, TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        wakeQueued.set(false); // shutting down
      }
    }
  }

  /** A round of autoscaling on the controller's thread, waited for (briefly). */
  private void refresh() {
    if (closed) {
      return;
    }
    if (Thread.currentThread() == loopThread) {
      round();
      return;
    }
    try {
      loop.submit(this::round).get(1, TimeUnit.SECONDS);
    } catch (java.util.concurrent.RejectedExecutionException | java.util.concurrent.TimeoutException
        | java.util.concurrent.ExecutionException e) {
      // closing, or busy launching: the last round's view will do
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void round() {
    if (closed) {
      return;
    }
    try {
      scale();
    } catch (RuntimeException e) {
      if (!closed) {
        log.warn("controller {}: autoscaling round failed: {}", name, e.toString(), e);
      }
    }
  }

  private void scale() {
    ClusterStatus status = kapu.status();
    long now = System.nanoTime();
    List<Runnable> afterwards = new ArrayList<>();
    int missing;
    boolean giveUp = false;
    String giveUpReason = null;
    synchronized (lock) {
      lastStatus = status;
      Map<String, ClusterStatus.Daemon> connected = new HashMap<>();
      for (ClusterStatus.Daemon d : status.daemons()) {
        connected.put(d.id(), d);
      }
      Map<String, ClusterStatus.Departure> departures = new HashMap<>();
      for (ClusterStatus.Departure d : status.departed()) {
        departures.put(d.id(), d);
      }
      int active = 0;
      int launching = 0;
      List<Worker> ended = new ArrayList<>();
      for (Worker w : workers.values()) {
        if (!w.state.live()) {
          continue;
        }
        ClusterStatus.Daemon d = connected.remove(w.id);
        if (w.state == WorkerSummary.State.LAUNCHING) {
          if (d == null) {
            Optional<String> end = w.launch.ended(w.id);
            if (end.isPresent()) {
              failed(w, "it ended before connecting: " + end.get(), now);
              ended.add(w);
              continue;
            }
            if (now - w.launchedAt > launchTimeoutNanos) {
              failed(w, "it did not connect within " + seconds(launchTimeoutNanos) + ", so it was stopped", now);
              ended.add(w);
              Launch launch = w.launch;
              String id = w.id;
              afterwards.add(() -> launch.terminate(id));
              continue;
            }
            launching++;
            continue;
          }
          w.connectedAt = now;
          w.connectedAtMillis = System.currentTimeMillis();
          consecutiveFailures = 0;
          backoffMillis = 0;
          backoffUntil = 0;
        }
        if (d != null) {
          w.observe(d, now);
          if (!d.draining()) {
            active++;
          }
        } else {
          ClusterStatus.Departure departure = departures.get(w.id);
          w.gone(now, departure != null && departure.clean());
          ended.add(w);
          if (w.launch != null && departure != null && !departure.clean()) {
            // Lost, perhaps frozen or cut off: stopped, it cannot wake up and hold on to its job.
            Launch launch = w.launch;
            String id = w.id;
            afterwards.add(() -> launch.terminate(id));
          }
        }
      }
      ended.forEach(this::retire);
      // Daemons this controller did not launch (started by hand against its endpoint) serve its queue too.
      for (ClusterStatus.Daemon d : connected.values()) {
        Worker w = new Worker(d.id(), null, 0, 0);
        w.connectedAt = now;
        w.connectedAtMillis = System.currentTimeMillis();
        w.note = "not launched by this controller";
        w.observe(d, now);
        workers.put(w.id, w);
        if (!d.draining()) {
          active++;
        }
      }
      long demandTasks = status.awaiting();
      for (ClusterStatus.Daemon d : status.daemons()) {
        if (!d.draining()) {
          demandTasks += d.executing();
        }
      }
      long needed = Math.min(maxWorkers, (demandTasks + slots - 1) / slots);
      missing = (int) Math.max(0, needed - active - launching);
      if (closed || now < backoffUntil) {
        missing = 0;
      }
      if (launchFailuresMax > 0 && consecutiveFailures >= launchFailuresMax && active == 0 && launching == 0) {
        giveUp = true;
        giveUpReason = consecutiveFailures + " launches in a row failed; the last: " + lastLaunchFailure;
        consecutiveFailures = 0;
      }
    }
    afterwards.forEach(Runnable::run);
    if (giveUp) {
      failWaitingTasks(giveUpReason);
    } else if (missing > 0) {
      launch(missing);
    }
  }

  /** Launches {@code n} workers in one request. */
  private void launch(int n) {
    List<String> ids = new ArrayList<>(n);
    synchronized (lock) {
      for (int i = 0; i < n; i++) {
        ids.add(name + "-" + (++launchSequence));
      }
    }
    Launch launch;
    try {
      launch = launcher.launch(new LaunchRequest(name, ids, command, directory));
    } catch (RuntimeException e) {
      log.warn("controller {}: launching {} worker(s) with {} failed: {}", name, n, launcher.name(), e.getMessage());
      synchronized (lock) {
        failedLaunches += n;
        consecutiveFailures++;
        lastLaunchFailure = e.getMessage();
        backOff();
      }
      return;
    }
    long now = System.nanoTime();
    boolean lateClose;
    synchronized (lock) {
      for (String id : ids) {
        workers.put(id, new Worker(id, launch, now, System.currentTimeMillis()));
      }
      launched += n;
      lateClose = closed;
    }
    log.debug("controller {}: launched {} with {}", name, ids, launcher.name());
    if (lateClose) {
      launch.terminateAll();
    }
  }

  /** Under the lock: a launched worker that will never connect. */
  private void failed(Worker w, String why, long now) {
    w.state = WorkerSummary.State.FAILED;
    w.note = why;
    w.endedAt = now;
    w.endedAtMillis = System.currentTimeMillis();
    failedLaunches++;
    consecutiveFailures++;
    lastLaunchFailure = "worker " + w.id + ": " + why;
    log.warn("controller {}: worker {} failed: {}", name, w.id, why);
    backOff();
  }

  /** Under the lock: waits longer before the next launch after each failure, up to 30 s. */
  private void backOff() {
    backoffMillis = Math.min(30_000, Math.max(250, backoffMillis * 2));
    backoffUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
  }

  /** Under the lock: keeps the most recent ended workers for summaries. */
  private void retire(Worker w) {
    endedOrder.addLast(w.id);
    while (endedOrder.size() > ENDED_WORKERS_KEPT) {
      workers.remove(endedOrder.pollFirst());
    }
  }

  /** Workers cannot be started: pushed tasks still waiting for one fail rather than wait forever. */
  private void failWaitingTasks(String reason) {
    List<ControllerTask<?>> open;
    synchronized (lock) {
      open = new ArrayList<>();
      for (ControllerTask<?> t : tasks.values()) {
        if (!t.isDone() && name.equals(t.controller)) {
          open.add(t);
        }
      }
    }
    if (!open.isEmpty()) {
      log.error("controller {}: failing {} pushed task(s): {}", name, open.size(), reason);
    }
    for (ControllerTask<?> t : open) {
      TaskFuture<?> f = t.current;
      resolve(t, TaskResult.Status.FAILED, null, new LaunchException("controller " + name
          + " could not start workers: " + reason));
      if (f != null) {
        f.cancel(true);
      }
    }
  }

  // ---------------------------------------------------------------- summary

  /**
   * Workers, tasks and launches now: runs a round of autoscaling first, so the counts are the
   * dispatcher's at this call (if the controller's thread is busy launching for more than a
   * second, they are those of the last round).
   */
  public ControllerSummary summary() {
    refresh();
    List<Worker> copy;
    ControllerSummary base;
    synchronized (lock) {
      copy = new ArrayList<>(workers.values());
      int connected = 0;
      int launching = 0;
      for (Worker w : copy) {
        if (w.state == WorkerSummary.State.CONNECTED || w.state == WorkerSummary.State.DRAINING) {
          connected++;
        } else if (w.state == WorkerSummary.State.LAUNCHING) {
          launching++;
        }
      }
      base = new ControllerSummary(name, launcher.name(), maxWorkers, connected, launching, launched,
          failedLaunches, pushed, unresolved, results.size(), crashes, lastStatus.awaiting(),
          lastStatus.executing(), lastLaunchFailure, List.of());
    }
    // Lost workers learn how they ended from their launch, outside the lock (squeue, ps).
    for (Worker w : copy) {
      if (w.state == WorkerSummary.State.LOST && w.launch != null && w.exitNote == null) {
        w.exitNote = w.launch.ended(w.id).orElse(null);
      }
    }
    List<WorkerSummary> out = new ArrayList<>();
    synchronized (lock) {
      copy.stream()
          .sorted(Comparator.comparing((Worker w) -> !w.state.live()))
          .forEach(w -> out.add(w.summary()));
    }
    return new ControllerSummary(base.controller(), base.launcher(), base.maxWorkers(), base.connected(),
        base.launching(), base.launched(), base.failedLaunches(), base.pushed(), base.unresolved(),
        base.toPop(), base.crashes(), base.awaiting(), base.executing(), base.lastLaunchFailure(), out);
  }

  // ---------------------------------------------------------------- Kapu, by delegation

  @Override
  public <T> TaskFuture<T> submit(Task<T> task) {
    TaskFuture<T> f = kapu.submit(task);
    wake();
    return f;
  }

  @Override
  public <T> TaskFuture<T> submit(Task<T> task, TaskOptions options) {
    TaskFuture<T> f = kapu.submit(task, options);
    wake();
    return f;
  }

  @Override
  public <T> TaskFuture<T> submit(ArrowReader input, ArrowTask<T> task) {
    TaskFuture<T> f = kapu.submit(input, task);
    wake();
    return f;
  }

  @Override
  public <T> TaskFuture<T> submit(ArrowReader input, ArrowTask<T> task, TaskOptions options) {
    TaskFuture<T> f = kapu.submit(input, task, options);
    wake();
    return f;
  }

  @Override
  public <T, R> MapJob<R> map(List<T> items, MapFunction<? super T, ? extends R> fn) {
    MapJob<R> job = kapu.map(items, fn);
    wake();
    return job;
  }

  @Override
  public <T, R> MapJob<R> map(List<T> items, MapFunction<? super T, ? extends R> fn, MapOptions options) {
    MapJob<R> job = kapu.map(items, fn, options);
    wake();
    return job;
  }

  /** Runs on every worker connected now and on each worker before its first task as it joins. */
  @Override
  public <T> CompletableFuture<List<T>> everywhere(Task<T> setup) {
    return kapu.everywhere(setup);
  }

  /** Runs SQL on a resource the workers host (see {@link Builder#resource}). */
  @Override
  public ArrowReader query(String resource, String sql, Object... parameters) {
    wake();
    return kapu.query(resource, sql, parameters);
  }

  @Override
  public BufferAllocator allocator() {
    return kapu.allocator();
  }

  @Override
  public ClusterStatus status() {
    return kapu.status();
  }

  /** An {@link ExecutorService} over this controller's workers; its tasks drive autoscaling too. */
  @Override
  public ExecutorService executor() {
    return kapu.executor();
  }

  @Override
  public long seed() {
    return kapu.seed();
  }

  // ---------------------------------------------------------------- terminate

  /**
   * Stops autoscaling, cancels what is open, closes the dispatcher (connected workers leave) and
   * stops every worker still launching or running through its launcher ({@code scancel}, a remote
   * {@code kill}, ...). The backup controller, if any, is not terminated.
   */
  public void terminate() {
    List<ControllerTask<?>> open;
    Set<Launch> launches = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      open = new ArrayList<>(tasks.values());
      lock.notifyAll();
    }
    loop.shutdownNow();
    try {
      loop.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ControllerTask<?> t : open) {
      t.cancel(true);
    }
    kapu.close();
    synchronized (lock) {
      for (Worker w : workers.values()) {
        if (w.launch != null && (w.state.live() || w.state == WorkerSummary.State.LOST)) {
          launches.add(w.launch);
        }
      }
    }
    for (Launch l : launches) {
      try {
        l.terminateAll();
      } catch (RuntimeException e) {
        log.warn("controller {}: stopping workers of {} failed: {}", name, l, e.toString());
      }
    }
    try {
      launcher.close();
    } catch (RuntimeException e) {
      log.warn("controller {}: closing launcher {} failed: {}", name, launcher.name(), e.toString());
    }
    if (!keepDirectory) {
      SessionDirectories.delete(directory);
    }
  }

  /** Same as {@link #terminate()}. */
  @Override
  public void close() {
    terminate();
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("controller " + name + " is terminated");
    }
  }

  @Override
  public String toString() {
    return "Controller[" + name + ", " + launcher.name() + ", " + kapu.endpoint() + "]";
  }

  private static String seconds(long nanos) {
    double s = nanos / 1e9;
    return s == Math.rint(s) ? String.format("%.0f s", s) : String.format("%.1f s", s);
  }

  private static String localHostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  // ---------------------------------------------------------------- one worker

  /** What the controller knows of one worker; guarded by the controller's lock. */
  private static final class Worker {
    final String id;
    final Launch launch;
    final long launchedAt;
    final long launchedAtMillis;
    WorkerSummary.State state;
    long connectedAt;
    long connectedAtMillis;
    long endedAt;
    long endedAtMillis;
    String host = "";
    long pid;
    long tasks;
    long errors;
    /** Pushed tasks whose outcome said this worker died under them. */
    long crashesReported;
    /** Tasks it was running, as last sampled, when it was lost. */
    long runningWhenLost;
    long lastExecuting;
    long lastSeen;
    long busyNanos;
    boolean draining;
    long resourcesSampledAt;
    Double cpuSeconds;
    Long memoryBytes;
    Long peakMemoryBytes;
    String note;
    volatile String exitNote;

    Worker(String id, Launch launch, long launchedAt, long launchedAtMillis) {
      this.id = id;
      this.launch = launch;
      this.launchedAt = launchedAt;
      this.launchedAtMillis = launchedAtMillis;
      this.state = WorkerSummary.State.LAUNCHING;
    }

    void observe(ClusterStatus.Daemon d, long now) {
      if (lastSeen != 0 && lastExecuting > 0) {
        busyNanos += now - lastSeen;
      }
      lastSeen = now;
      lastExecuting = d.executing();
      tasks = d.completed();
      errors = d.failed();
      draining = d.draining();
      host = d.host();
      pid = d.pid();
      state = draining ? WorkerSummary.State.DRAINING : WorkerSummary.State.CONNECTED;
      if (LOCAL_HOST.equals(host) && now - resourcesSampledAt >= RESOURCE_SAMPLE_NANOS) {
        resourcesSampledAt = now;
        sampleResources();
      }
    }

    /** CPU time and resident memory of a worker on this machine. */
    private void sampleResources() {
      Optional<ProcessHandle> process = ProcessHandle.of(pid);
      if (process.isEmpty()) {
        return;
      }
      process.get().info().totalCpuDuration().ifPresent(cpu -> cpuSeconds = cpu.toNanos() / 1e9);
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
          if (line.startsWith("VmRSS:")) {
            long bytes = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            memoryBytes = bytes;
            peakMemoryBytes = peakMemoryBytes == null ? bytes : Math.max(peakMemoryBytes, bytes);
          }
        }
      } catch (IOException | RuntimeException e) {
        // not Linux, or the process just left
      }
    }

    /** It is no longer connected: a clean exit if the dispatcher saw it drain, else a loss. */
    void gone(long now, boolean leftCleanly) {
      if (lastExecuting > 0) {
        busyNanos += now - lastSeen;
      }
      endedAt = now;
      endedAtMillis = System.currentTimeMillis();
      if (draining || leftCleanly) {
        state = WorkerSummary.State.EXITED;
        tasks += lastExecuting; // a leaving worker finishes what it runs before it goes
      } else {
        state = WorkerSummary.State.LOST;
        runningWhenLost = lastExecuting;
      }
      lastExecuting = 0;
    }

    WorkerSummary summary() {
      String why = note;
      if (exitNote != null) {
        why = why == null ? exitNote : why + "; " + exitNote;
      }
      return new WorkerSummary(id, state, host, pid,
          launchedAtMillis == 0 ? null : java.time.Instant.ofEpochMilli(launchedAtMillis),
          connectedAtMillis == 0 ? null : java.time.Instant.ofEpochMilli(connectedAtMillis),
          endedAtMillis == 0 ? null : java.time.Instant.ofEpochMilli(endedAtMillis),
          tasks, errors, Math.max(crashesReported, runningWhenLost), busyNanos / 1e9,
          cpuSeconds == null ? java.util.OptionalDouble.empty() : java.util.OptionalDouble.of(cpuSeconds),
          memoryBytes == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(memoryBytes),
          peakMemoryBytes == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(peakMemoryBytes),
          why);
    }
  }

  // ---------------------------------------------------------------- builder

  /** Settings of a controller; {@link #build()} starts its dispatcher, and no worker until work comes. */
  public static final class Builder {
    private String name = "main";
    private Launcher launcher;
    private int maxWorkers = Runtime.getRuntime().availableProcessors();
    private int slots = 1;
    private Duration idle = Duration.ofSeconds(60);
    private Duration wall = Duration.ZERO;
    private long tasksMax;
    private Duration launchTimeout = Duration.ofSeconds(60);
    private int crashesMax = 5;
    private Controller backup;
    private int launchFailuresMax = 5;
    private final List<String> allow = new ArrayList<>();
    private final List<ResourceSpec> resources = new ArrayList<>();
    private final List<Codec<?>> codecs = new ArrayList<>();
    private Long seed;
    private TaskOptions taskOptions;
    private boolean tls;
    private String host = "127.0.0.1";
    private int port;
    private String advertise;
    private final List<String> jvmOptions = new ArrayList<>();
    private String java;
    private String classpath;
    private Path directory;
    private boolean keepDirectory;
    private Duration interval = Duration.ofMillis(100);
    private Duration liveness = Liveness.DEFAULT.bound();
    private Function<? super LocalKapu, ? extends FlightProducer> flightProducer;
    private CallHeaderAuthenticator flightAuthenticator;

    private Builder() {}

    /** Names the controller, its workers ({@code name-1}, ...) and its scheduler jobs (default {@code main}). */
    public Builder name(String name) {
      if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
        throw new IllegalArgumentException("a controller name is letters, digits, '_', '.', '-': '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /** How workers start (default: {@link LocalLauncher}). The controller closes it on terminate. */
    public Builder launcher(Launcher launcher) {
      this.launcher = launcher;
      return this;
    }

    /** The most workers at once (default: this machine's processors). */
    public Builder maxWorkers(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxWorkers must be at least 1");
      }
      this.maxWorkers = n;
      return this;
    }

    /** Tasks each worker runs at once (default 1). */
    public Builder slots(int slots) {
      if (slots < 1) {
        throw new IllegalArgumentException("a worker needs at least one slot");
      }
      this.slots = slots;
      return this;
    }

    /** A worker leaves after this long without work (default 60 s); zero keeps workers forever. */
    public Builder idle(Duration idle) {
      this.idle = requireNotNegative(idle, "idle");
      return this;
    }

    /** A worker leaves after this long in all, once its tasks finish (default: no limit). */
    public Builder wall(Duration wall) {
      this.wall = requireNotNegative(wall, "wall");
      return this;
    }

    /** A worker leaves after this many tasks (default 0: no limit). */
    public Builder tasksMax(long n) {
      if (n < 0) {
        throw new IllegalArgumentException("tasksMax must not be negative");
      }
      this.tasksMax = n;
      return this;
    }

    /**
     * A worker that sends no heartbeat for this long (frozen, cut off) is declared lost: its tasks
     * are retried or fail, and it is stopped (default 10 s; see {@link Kapu.Builder#liveness}).
     */
    public Builder liveness(Duration bound) {
      this.liveness = Liveness.of(bound).bound();
      return this;
    }

    /**
     * How long a launched worker may take to connect before it is stopped and no longer counted
     * (default 60 s). With a busy scheduler, allow for time in its queue.
     */
    public Builder launchTimeout(Duration timeout) {
      this.launchTimeout = requireNotNegative(timeout, "launchTimeout");
      return this;
    }

    /** Crashes a pushed task survives; one more ends it or hands it to the backup (default 5). */
    public Builder crashesMax(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("crashesMax must not be negative");
      }
      this.crashesMax = n;
      return this;
    }

    /** Where pushed tasks go once they exceed {@link #crashesMax}, for example one with more memory. */
    public Builder backup(Controller backup) {
      this.backup = backup;
      return this;
    }

    /**
     * After this many failed launches in a row with no worker connected, pushed tasks waiting for
     * a worker fail with a {@link LaunchException} rather than wait forever (default 5; 0: never).
     */
    public Builder launchFailuresMax(int n) {
      this.launchFailuresMax = Math.max(0, n);
      return this;
    }

    /** Deserialization allow-list patterns, here and on workers. */
    public Builder allow(String... patterns) {
      allow.addAll(List.of(patterns));
      return this;
    }

    /**
     * A resource every worker opens and hosts. Only replicated resources: workers come and go, so
     * nothing pinned to one of them would last.
     */
    public Builder resource(ResourceSpec resource) {
      if (resource.placement() != ResourceSpec.Placement.REPLICATED) {
        throw new IllegalArgumentException("resource " + resource.name() + " is pinned; a controller's"
            + " workers come and go, so it can host only replicated resources");
      }
      resources.add(resource);
      return this;
    }

    /** Every resource in a {@code kapu.yaml} (all must be replicated). */
    public Builder config(Path kapuYaml) {
      KapuConfig.readResources(kapuYaml).forEach(this::resource);
      return this;
    }

    public Builder codec(Codec<?> codec) {
      codecs.add(codec);
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Default timeout and retries for tasks (retries apply to {@link Controller#submit} and
     * {@link Controller#map}; pushed tasks use {@link #crashesMax}). Default: no timeout, retries
     * = crashesMax.
     */
    public Builder taskOptions(TaskOptions options) {
      this.taskOptions = options;
      return this;
    }

    /** Serve the dispatcher over TLS with a self-signed certificate workers are told to trust. */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /** Where the dispatcher listens (default 127.0.0.1, a free port): workers on other hosts need more. */
    public Builder listen(String host, int port) {
      this.host = host;
      this.port = port;
      return this;
    }

    /**
     * The host name workers dial, when it is not the listen address; with 0.0.0.0 it defaults to
     * this machine's address on its network.
     */
    public Builder advertise(String host) {
      this.advertise = host;
      return this;
    }

    /** JVM options for workers, for example {@code -Xmx4g}. */
    public Builder jvmOptions(String... options) {
      jvmOptions.addAll(List.of(options));
      return this;
    }

    /** The {@code java} workers run (default: this JVM's; launchers may override per host). */
    public Builder java(String java) {
      this.java = java;
      return this;
    }

    /** The class path workers run with (default: this JVM's). */
    public Builder classpath(String classpath) {
      this.classpath = classpath;
      return this;
    }

    /**
     * Where the controller makes its private directory (token file, scripts, logs); default the
     * system's temp directory. Schedulers need one their nodes see.
     */
    public Builder directory(Path parent) {
      this.directory = parent;
      return this;
    }

    /** Keep the directory, with the workers' logs, after terminate (default: delete it). */
    public Builder keepDirectory(boolean keep) {
      this.keepDirectory = keep;
      return this;
    }

    /** How often autoscaling looks at the dispatcher (default 100 ms). */
    public Builder interval(Duration interval) {
      if (interval.toMillis() < 1) {
        throw new IllegalArgumentException("the interval must be at least 1 ms");
      }
      this.interval = interval;
      return this;
    }

    /**
     * Serves Flight (SQL) calls on the dispatcher's port, as {@link Kapu.Builder#flightProducer}:
     * {@code factory} gets the controller's own session, and tasks submitted through it are
     * demand the autoscaling sees, so workers launch for them (and leave when idle).
     */
    public Builder flightProducer(Function<? super LocalKapu, ? extends FlightProducer> factory) {
      this.flightProducer = factory;
      return this;
    }

    /** Authenticates the calls the {@link #flightProducer} serves, as {@link Kapu.Builder#flightAuthenticator}. */
    public Builder flightAuthenticator(CallHeaderAuthenticator authenticator) {
      this.flightAuthenticator = authenticator;
      return this;
    }

    private static Duration requireNotNegative(Duration d, String what) {
      if (d.isNegative()) {
        throw new IllegalArgumentException(what + " must not be negative");
      }
      return d;
    }

    /** Starts the dispatcher; workers are launched when work arrives. */
    public Controller build() {
      Path dir;
      try {
        Path parent = directory == null ? null : Files.createDirectories(directory);
        String prefix = "kapu-controller-" + name + "-";
        // A kept folder is the user's: it records no owner, so nothing ever removes it.
        dir = keepDirectory
            ? (parent == null ? Files.createTempDirectory(prefix) : Files.createTempDirectory(parent, prefix))
            : SessionDirectories.create(parent, prefix);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot make the controller's directory", e);
      }
      Kapu.Builder kb = Kapu.builder().daemons(0).listen(host, port).advertise(advertise).tls(tls).liveness(liveness)
          .allow(allow.toArray(String[]::new))
          .taskOptions(taskOptions != null ? taskOptions : TaskOptions.DEFAULT.withRetries(crashesMax));
      codecs.forEach(kb::codec);
      if (seed != null) {
        kb.seed(seed);
      }
      if (flightProducer != null) {
        kb.flightProducer(flightProducer);
      }
      if (flightAuthenticator != null) {
        kb.flightAuthenticator(flightAuthenticator);
      }
      LocalKapu kapu = kb.local();
      try {
        Endpoint endpoint = kapu.endpoint();
        Path tokenFile = dir.resolve("token");
        Files.createFile(tokenFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tokenFile, endpoint.token(), StandardCharsets.UTF_8);
        Path trust = null;
        if (endpoint.trustCertificate() != null) {
          trust = Files.copy(endpoint.trustCertificate(), dir.resolve("trust.pem")); // beside the token, for shared file systems
        }
        Path config = null;
        if (!resources.isEmpty()) {
          config = dir.resolve("resources.yaml");
          KapuConfig.writeResources(resources, config);
        }
        WorkerCommand command = new WorkerCommand(
            java != null ? java : WorkerCommand.currentJava(), jvmOptions,
            classpath != null ? classpath : System.getProperty("java.class.path"),
            endpoint.url(), tokenFile, trust, slots, idle, wall, tasksMax, allow, config);
        return new Controller(this, kapu, dir, command);
      } catch (IOException | RuntimeException e) {
        kapu.close();
        throw e instanceof IOException io ? new UncheckedIOException("cannot prepare the controller", io)
            : (RuntimeException) e;
      }
    }
  }
}
