package dev.kapu.client.controller;

import dev.kapu.api.MapFunction;
import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Several controllers behind one object: say, local workers for small tasks and SLURM workers
 * with more memory for big ones. Tasks go to the controller named when they are pushed (the first
 * one by default); pop, collect, wait and summary span them all.
 */
public final class ControllerGroup implements AutoCloseable {
  private final Map<String, Controller> controllers = new LinkedHashMap<>();
  private final Object signal = new Object();

  private ControllerGroup(List<Controller> list) {
    if (list.isEmpty()) {
      throw new IllegalArgumentException("a group needs at least one controller");
    }
    for (Controller c : list) {
      if (controllers.putIfAbsent(c.name(), c) != null) {
        throw new IllegalArgumentException("two controllers are named '" + c.name() + "'");
      }
      c.crew().addResultListener(() -> {
        synchronized (signal) {
          signal.notifyAll();
        }
      });
    }
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

  /** Pushes to the default (first) controller. */
  public <T> ControllerTask<T> push(String name, Task<T> task) {
    return controllers.values().iterator().next().push(name, task);
  }

  /** Pushes to the controller named {@code controller}. */
  public <T> ControllerTask<T> push(String name, Task<T> task, String controller) {
    return controller(controller).push(name, task);
  }

  public <T> ControllerTask<T> push(String name, Task<T> task, TaskOptions options, String controller) {
    return controller(controller).push(name, task, options);
  }

  /** {@link Controller#walk} on the controller named {@code controller}. */
  public <T, R> List<ControllerTask<R>> walk(String prefix, List<T> items, MapFunction<? super T, ? extends R> fn,
      String controller) {
    return controller(controller).walk(prefix, items, fn);
  }

  /** An ended task from any controller, if one waits; does not block. */
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
  public Optional<TaskResult> pop(Duration timeout) {
    waitOne(timeout);
    return pop();
  }

  /** Every ended task of every controller, controller by controller. */
  public List<TaskResult> collect() {
    List<TaskResult> all = new ArrayList<>();
    controllers.values().forEach(c -> all.addAll(c.collect()));
    return all;
  }

  /** Waits until every task pushed to any controller has ended; false on timeout. */
  public boolean waitAll(Duration timeout) {
    return await(timeout, () -> controllers.values().stream().allMatch(c -> c.crew().unresolved() == 0));
  }

  /** Waits until some controller has an ended task to pop; false on timeout or if nothing is open. */
  public boolean waitOne(Duration timeout) {
    await(timeout, () -> controllers.values().stream().anyMatch(c -> c.crew().hasResults())
        || controllers.values().stream().allMatch(c -> c.crew().unresolved() == 0));
    return controllers.values().stream().anyMatch(c -> c.crew().hasResults());
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
  public boolean cancel(String... names) {
    boolean any = false;
    for (Controller c : controllers.values()) {
      any |= c.cancel(names);
    }
    return any;
  }

  /** One summary per controller. */
  public List<ControllerSummary> summary() {
    return controllers.values().stream().map(Controller::summary).toList();
  }

  /** Terminates every controller, the default last. */
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
}
