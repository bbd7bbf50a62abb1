package dev.kapu.client.controller;

import dev.kapu.api.ArrowTask;
import dev.kapu.api.MapFunction;
import dev.kapu.api.MapOptions;
import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.KapuExecutor;
import dev.kapu.client.MapJob;
import dev.kapu.client.TaskFuture;
import dev.kapu.flight.ClusterStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Several controllers behind one {@link Crew}: say, local workers for small tasks and SLURM
 * workers with more memory for big ones. Tasks go to the controller named when they are pushed
 * (the first one, the default, otherwise); pop, collect, wait, cancel and summary span them all.
 *
 * <p>As a {@link dev.kapu.client.Kapu}, a group sends {@code submit}, {@code map} and its executor's
 * tasks to the default controller, {@code query} to the first controller whose workers host the
 * resource (else the default, which says it knows no such resource), and {@code everywhere} to
 * every controller.
 */
public final class ControllerGroup implements Crew {
  private final Map<String, Controller> controllers = new LinkedHashMap<>();
  private final Controller first;
  private final Object signal = new Object();

  private ControllerGroup(List<Controller> list) {
    if (list.isEmpty()) {
      throw new IllegalArgumentException("a group needs at least one controller");
    }
    for (Controller c : list) {
      if (controllers.putIfAbsent(c.name(), c) != null) {
        throw new IllegalArgumentException("two controllers are named '" + c.name() + "'");
      }
      c.named().addResultListener(() -> {
        synchronized (signal) {
          signal.notifyAll();
        }
      });
    }
    first = list.get(0);
  }

  /** A group of these controllers; the first is the default. The group terminates them on close. */
  public static ControllerGroup of(Controller... controllers) {
    return new ControllerGroup(List.of(controllers));
  }

  public static ControllerGroup of(List<Controller> controllers) {
    return new ControllerGroup(List.copyOf(controllers));
  }

  /** The controller named {@code name}. */
  public Controller controller(String name) {
    Controller c = controllers.get(name);
    if (c == null) {
      throw new IllegalArgumentException("no controller named '" + name + "' in this group; it has "
          + controllers.keySet());
    }
    return c;
  }

  public List<Controller> controllers() {
    return List.copyOf(controllers.values());
  }

  // ---------------------------------------------------------------- crew's verbs

  /** Pushes to the default (first) controller. */
  @Override
  public <T> ControllerTask<T> push(String name, Task<T> task) {
    return first.push(name, task);
  }

  /** Pushes to the default (first) controller. */
  @Override
  public <T> ControllerTask<T> push(String name, Task<T> task, TaskOptions options) {
    return first.push(name, task, options);
  }

  /** Pushes to the controller named {@code controller}. */
  public <T> ControllerTask<T> push(String name, Task<T> task, String controller) {
    return controller(controller).push(name, task);
  }

  public <T> ControllerTask<T> push(String name, Task<T> task, TaskOptions options, String controller) {
    return controller(controller).push(name, task, options);
  }

  /** Walks on the default (first) controller. */
  @Override
  public <T, R> List<ControllerTask<R>> walk(String prefix, List<T> items, MapFunction<? super T, ? extends R> fn) {
    return first.walk(prefix, items, fn);
  }

  /** {@link Controller#walk} on the controller named {@code controller}. */
  public <T, R> List<ControllerTask<R>> walk(String prefix, List<T> items, MapFunction<? super T, ? extends R> fn,
      String controller) {
    return controller(controller).walk(prefix, items, fn);
  }

  /** An ended task from any controller, if one waits; does not block. */
  @Override
  public Optional<TaskResult> pop() {
    for (Controller c : controllers.values()) {
      Optional<TaskResult> r = c.pop();
      if (r.isPresent()) {
        return r;
      }
    }
    return Optional.empty();
  }

  /** Waits up to {@code timeout} for a task to end anywhere in the group, then pops it. */
  @Override
  public Optional<TaskResult> pop(Duration timeout) {
    waitOne(timeout);
    return pop();
  }

  /** Every ended task of every controller, controller by controller. */
  @Override
  public List<TaskResult> collect() {
    List<TaskResult> all = new ArrayList<>();
    controllers.values().forEach(c -> all.addAll(c.collect()));
    return all;
  }

  /** Waits until every task pushed to any controller has ended; false on timeout. */
  @Override
  public boolean waitAll(Duration timeout) {
    return await(timeout, () -> controllers.values().stream().allMatch(c -> c.named().unresolved() == 0));
  }

  /** Waits until some controller has an ended task to pop; false on timeout or if nothing is open. */
  @Override
  public boolean waitOne(Duration timeout) {
    await(timeout, () -> controllers.values().stream().anyMatch(c -> c.named().hasResults())
        || controllers.values().stream().allMatch(c -> c.named().unresolved() == 0));
    return controllers.values().stream().anyMatch(c -> c.named().hasResults());
  }

  private boolean await(Duration timeout, BooleanSupplier done) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (signal) {
      while (!done.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(signal, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  /** Cancels the named tasks in every controller; true if any was open. */
  @Override
  public boolean cancel(String... names) {
    boolean any = false;
    for (Controller c : controllers.values()) {
      any |= c.cancel(names);
    }
    return any;
  }

  /** Cancels every open pushed task in every controller; returns how many were. */
  @Override
  public int cancelAll() {
    return controllers.values().stream().mapToInt(Controller::cancelAll).sum();
  }

  /** One summary per controller, and their totals. */
  @Override
  public GroupSummary summary() {
    return new GroupSummary(controllers.values().stream().map(Controller::summary).toList());
  }

  /** Terminates every controller, the default last. */
  @Override
  public void terminate() {
    List<Controller> list = new ArrayList<>(controllers.values());
    for (int i = list.size() - 1; i >= 0; i--) {
      list.get(i).terminate();
    }
  }

  @Override
  public void close() {
    terminate();
  }

  // ---------------------------------------------------------------- Kapu

  @Override
  public <T> TaskFuture<T> submit(Task<T> task) {
    return first.submit(task);
  }

  @Override
  public <T> TaskFuture<T> submit(Task<T> task, TaskOptions options) {
    return first.submit(task, options);
  }

  @Override
  public <T> TaskFuture<T> submit(ArrowReader input, ArrowTask<T> task) {
    return first.submit(input, task);
  }

  @Override
  public <T> TaskFuture<T> submit(ArrowReader input, ArrowTask<T> task, TaskOptions options) {
    return first.submit(input, task, options);
  }

  @Override
  public <T, R> MapJob<R> map(List<T> items, MapFunction<? super T, ? extends R> fn) {
    return first.map(items, fn);
  }

  @Override
  public <T, R> MapJob<R> map(List<T> items, MapFunction<? super T, ? extends R> fn, MapOptions options) {
    return first.map(items, fn, options);
  }

  /**
   * Runs {@code setup} on every worker of every controller, now and as workers join; completes
   * with one result per worker connected now, controller by controller.
   */
  @Override
  public <T> CompletableFuture<List<T>> everywhere(Task<T> setup) {
    List<CompletableFuture<List<T>>> each = controllers.values().stream().map(c -> c.everywhere(setup)).toList();
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .thenApply(done -> each.stream().flatMap(f -> f.join().stream()).toList());
  }

  /** Runs SQL on the first controller whose workers host {@code resource}, else the default. */
  @Override
  public ArrowReader query(String resource, String sql, Object... parameters) {
    Controller host = controllers.values().stream().filter(c -> c.resources().contains(resource)).findFirst()
        .orElse(first);
    return host.query(resource, sql, parameters);
  }

  /** The default controller's allocator. */
  @Override
  public BufferAllocator allocator() {
    return first.allocator();
  }

  /** Every controller's dispatcher at once: counts added up, daemons and departures side by side. */
  @Override
  public ClusterStatus status() {
    long awaiting = 0;
    long executing = 0;
    long completed = 0;
    List<ClusterStatus.Daemon> daemons = new ArrayList<>();
    List<ClusterStatus.Departure> departed = new ArrayList<>();
    for (Controller c : controllers.values()) {
      ClusterStatus s = c.status();
      awaiting += s.awaiting();
      executing += s.executing();
      completed += s.completed();
      daemons.addAll(s.daemons());
      departed.addAll(s.departed());
    }
    return new ClusterStatus(awaiting, executing, completed, daemons, departed);
  }

  /** An executor over the default controller. */
  @Override
  public KapuExecutor executor() {
    return first.executor();
  }

  /** The default controller's seed. */
  @Override
  public long seed() {
    return first.seed();
  }
}
