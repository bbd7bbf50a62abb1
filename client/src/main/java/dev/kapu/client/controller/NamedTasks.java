package dev.kapu.client.controller;

import dev.kapu.api.DaemonLostException;
import dev.kapu.api.MapFunction;
import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.TaskFuture;
import dev.kapu.client.launch.LaunchException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller's named tasks, crew's verbs: push and walk send them, pop and collect hand their
 * results back in the order they ended, waitAll and waitOne wait for them, cancel ends them. A
 * task whose worker dies is sent again up to {@code crashesMax} times ({@link AfterCrash}).
 * Guards its state with its own lock, never held while calling the dispatcher or a listener.
 */
final class NamedTasks {
  private static final Logger log = LoggerFactory.getLogger(NamedTasks.class);

  private final String name;
  private final Kapu kapu;
  private final TaskOptions pushOptions;
  private final int crashesMax;
  private final NamedTasks backup;
  /** Runs an autoscaling round soon: new work may need a worker. */
  private final Runnable wake;
  /** Told the id of a worker that died under a pushed task. */
  private final Consumer<String> crashedOn;
  private final List<Runnable> resultListeners = new CopyOnWriteArrayList<>();

  private final Object lock = new Object();
  private final LinkedHashMap<String, ControllerTask<?>> tasks = new LinkedHashMap<>();
  private final ArrayDeque<TaskResult> results = new ArrayDeque<>();
  private long unresolved;
  private long autoName;
  private long pushed;
  private long crashes;
  private volatile boolean closed;

  NamedTasks(String name, Kapu kapu, TaskOptions pushOptions, int crashesMax, NamedTasks backup, Runnable wake,
      Consumer<String> crashedOn) {
    this.name = name;
    this.kapu = kapu;
    this.pushOptions = pushOptions;
    this.crashesMax = crashesMax;
    this.backup = backup;
    this.wake = wake;
    this.crashedOn = crashedOn;
  }

  /** What becomes of a pushed task whose worker died under it. */
  enum AfterCrash {
    /** Send it again here. */
    RETRY,
    /** Hand it to the backup controller, where its count starts again. */
    BACKUP,
    /** End it as {@link TaskResult.Status#CRASHED}. */
    CRASHED;

    /** After the {@code crashesHere}-th crash on this controller, which allows {@code crashesMax}. */
    static AfterCrash of(int crashesHere, int crashesMax, boolean hasBackup) {
      if (crashesHere <= crashesMax) {
        return RETRY;
      }
      return hasBackup ? BACKUP : CRASHED;
    }
  }

  String name() {
    return name;
  }

  <T> ControllerTask<T> push(String name, Task<T> task, TaskOptions options) {
    ControllerTask<T> t = enqueue(name, task, options);
    attempt(t);
    wake.run();
    return t;
  }

  <T> ControllerTask<T> push(String name, Task<T> task) {
    return push(name, task, pushOptions);
  }

  /** Registers a named task; {@link #attempt} sends it. */
  private <T> ControllerTask<T> enqueue(String name, Task<T> task, TaskOptions options) {
    if (closed) {
      throw new IllegalStateException("controller " + this.name + " is terminated");
    }
    synchronized (lock) {
      String n = name;
      if (n == null) {
        do {
          n = "task-" + (++autoName);
        } while (tasks.containsKey(n));
      } else if (tasks.containsKey(n)) {
        throw taken(n);
      }
      ControllerTask<T> t = new ControllerTask<>(n, task, options.withRetries(0), this);
      tasks.put(n, t);
      pushed++;
      unresolved++;
      return t;
    }
  }

  private IllegalArgumentException taken(String task) {
    return new IllegalArgumentException("a task named '" + task + "' was pushed to controller " + name
        + " and not yet popped");
  }

  <T, R> List<ControllerTask<R>> walk(String prefix, List<T> items, MapFunction<? super T, ? extends R> fn) {
    synchronized (lock) {
      for (int i = 0; i < items.size(); i++) {
        if (tasks.containsKey(prefix + "-" + i)) {
          throw taken(prefix + "-" + i);
        }
      }
    }
    List<ControllerTask<R>> walked = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      T item = items.get(i);
      Task<R> task = ctx -> fn.apply(item);
      walked.add(enqueue(prefix + "-" + i, task, pushOptions));
    }
    walked.forEach(this::attempt);
    wake.run(); // after all of them, so one launch covers them (one job array for a scheduler)
    return walked;
  }

  Optional<TaskResult> pop() {
    synchronized (lock) {
      TaskResult r = results.pollFirst();
      if (r != null) {
        tasks.remove(r.name());
      }
      return Optional.ofNullable(r);
    }
  }

  List<TaskResult> collect() {
    synchronized (lock) {
      List<TaskResult> all = new ArrayList<>(results);
      results.clear();
      all.forEach(r -> tasks.remove(r.name()));
      return all;
    }
  }

  boolean waitAll(Duration timeout) {
    return await(timeout, () -> unresolved == 0);
  }

  boolean waitOne(Duration timeout) {
    await(timeout, () -> !results.isEmpty() || unresolved == 0);
    return hasResults();
  }

  private boolean await(Duration timeout, BooleanSupplier done) {
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

  boolean cancel(String... names) {
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

  int cancelAll() {
    int n = 0;
    for (ControllerTask<?> t : open()) {
      n += t.cancel(true) ? 1 : 0;
    }
    return n;
  }

  private List<ControllerTask<?>> open() {
    synchronized (lock) {
      return new ArrayList<>(tasks.values());
    }
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
      onCrash(t, lost);
      return;
    }
    boolean cancelled = cause instanceof CancellationException;
    t.owner.resolve(t, cancelled ? TaskResult.Status.CANCELLED : TaskResult.Status.FAILED, null, cause);
  }

  private <T> void onCrash(ControllerTask<T> t, DaemonLostException lost) {
    synchronized (lock) {
      crashes++;
    }
    crashedOn.accept(lost.daemonId());
    synchronized (t) {
      t.crashes++;
      t.crashesHere++;
      t.lostWorkers.add(lost.daemonId());
    }
    switch (AfterCrash.of(t.crashesHere, crashesMax, backup != null)) {
      case RETRY -> {
        log.info("controller {}: task {} crashed on worker {} ({} of {} crash(es) allowed); sending it again",
            name, t.name, lost.daemonId(), t.crashesHere, crashesMax);
        attempt(t);
        wake.run();
      }
      case BACKUP -> {
        log.info("controller {}: task {} crashed {} time(s); handing it to backup controller {}",
            name, t.name, t.crashesHere, backup.name);
        t.crashesHere = 0;
        backup.attempt(t);
        backup.wake.run();
      }
      case CRASHED -> {
        List<String> lostWorkers;
        synchronized (t) {
          lostWorkers = List.copyOf(t.lostWorkers);
        }
        t.owner.resolve(t, TaskResult.Status.CRASHED, null, new CrashLimitException("task " + t.name
            + " crashed " + t.crashes + " time(s), more than controller " + name + " allows ("
            + crashesMax + "); lost workers " + lostWorkers + ": " + lost.getMessage(), t.crashes, lostWorkers));
      }
    }
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

  /** Workers cannot be started: pushed tasks still waiting for one here fail rather than wait forever. */
  void failWaiting(String reason) {
    List<ControllerTask<?>> waiting = new ArrayList<>();
    for (ControllerTask<?> t : open()) {
      if (!t.isDone() && name.equals(t.controller)) {
        waiting.add(t);
      }
    }
    if (!waiting.isEmpty()) {
      log.error("controller {}: failing {} pushed task(s): {}", name, waiting.size(), reason);
    }
    for (ControllerTask<?> t : waiting) {
      TaskFuture<?> f = t.current;
      resolve(t, TaskResult.Status.FAILED, null, new LaunchException("controller " + name
          + " could not start workers: " + reason));
      if (f != null) {
        f.cancel(true);
      }
    }
  }

  /**
   * Refuses new tasks and wakes the waiters; returns the tasks still open, for the caller to
   * cancel once autoscaling has stopped, or empty if it was closed already.
   */
  Optional<List<ControllerTask<?>>> close() {
    synchronized (lock) {
      if (closed) {
        return Optional.empty();
      }
      closed = true;
      lock.notifyAll();
      return Optional.of(new ArrayList<>(tasks.values()));
    }
  }

  boolean closed() {
    return closed;
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

  /** Pushed, unresolved, waiting to be popped, and crashes so far. */
  record Counts(long pushed, long unresolved, long toPop, long crashes) {}

  Counts counts() {
    synchronized (lock) {
      return new Counts(pushed, unresolved, results.size(), crashes);
    }
  }
}
