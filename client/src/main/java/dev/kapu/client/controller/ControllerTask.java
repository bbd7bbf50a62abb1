package dev.kapu.client.controller;

import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.TaskFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A task pushed to a {@link Crew} (a controller, a group, a session) under a name. It completes
 * exactly once, like any Kapu future; its {@link TaskResult} also waits for {@link Crew#pop()}. Cancelling it drops it
 * if queued and interrupts it if running.
 *
 * @param <T> the task's result type
 */
public final class ControllerTask<T> extends CompletableFuture<T> {
  final String name;
  final Task<T> task;
  final TaskOptions options;
  final NamedTasks owner;
  final long pushedAt = System.nanoTime();
  final AtomicBoolean resolved = new AtomicBoolean();
  final List<String> lostWorkers = new ArrayList<>();
  volatile TaskFuture<T> current;
  volatile String controller;
  volatile int crashes;
  int crashesHere;

  ControllerTask(String name, Task<T> task, TaskOptions options, NamedTasks owner) {
    this.name = name;
    this.task = task;
    this.options = options;
    this.owner = owner;
    this.controller = owner.name();
  }

  /** The name it was pushed under. */
  public String name() {
    return name;
  }

  /** The controller it runs on now (its owner, or a backup once handed on). */
  public String controller() {
    return controller;
  }

  /** How many times a worker died while running it so far. */
  public int crashes() {
    return crashes;
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      TaskFuture<T> f = current;
      if (f != null) {
        f.cancel(true);
      }
      owner.resolve(this, TaskResult.Status.CANCELLED, null,
          new java.util.concurrent.CancellationException("task " + name + " was cancelled"));
    }
    return cancelled;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }

  @Override
  public String toString() {
    return "ControllerTask[" + name + " on " + controller + ", " + (isDone() ? "done" : "open") + "]";
  }
}
