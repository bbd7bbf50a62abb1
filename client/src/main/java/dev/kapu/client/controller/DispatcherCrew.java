package dev.kapu.client.controller;

import dev.kapu.api.ArrowTask;
import dev.kapu.api.MapFunction;
import dev.kapu.api.MapOptions;
import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.KapuExecutor;
import dev.kapu.client.MapJob;
import dev.kapu.client.TaskFuture;
import dev.kapu.flight.ClusterStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * A {@link Crew} over one dispatcher: Kapu's calls go to its session, the named tasks live in a
 * {@link NamedTasks}. Every submission is demand, so {@link #wake()} runs after each: a controller
 * launches workers for it, a plain session has nothing to do.
 */
abstract class DispatcherCrew implements Crew {
  final Kapu kapu;
  final NamedTasks named;

  DispatcherCrew(Kapu kapu, String name, TaskOptions pushOptions, int crashesMax, NamedTasks backup) {
    this.kapu = kapu;
    this.named = new NamedTasks(name, kapu, pushOptions, crashesMax, backup, this::wake, this::crashedOn);
  }

  /** New work may need a worker: a controller runs a round of autoscaling soon. */
  void wake() {}

  /** A worker died under a pushed task. */
  void crashedOn(String daemonId) {}

  /** The named tasks: {@link ControllerGroup} waits on them across controllers. */
  NamedTasks named() {
    return named;
  }

  // ---------------------------------------------------------------- crew's verbs

  @Override
  public <T> ControllerTask<T> push(String name, Task<T> task) {
    return named.push(name, task);
  }

  @Override
  public <T> ControllerTask<T> push(String name, Task<T> task, TaskOptions options) {
    return named.push(name, task, options);
  }

  @Override
  public <T, R> List<ControllerTask<R>> walk(String prefix, List<T> items, MapFunction<? super T, ? extends R> fn) {
    return named.walk(prefix, items, fn);
  }

  @Override
  public Optional<TaskResult> pop() {
    return named.pop();
  }

  @Override
  public Optional<TaskResult> pop(Duration timeout) {
    named.waitOne(timeout);
    return named.pop();
  }

  @Override
  public List<TaskResult> collect() {
    return named.collect();
  }

  @Override
  public boolean waitAll(Duration timeout) {
    return named.waitAll(timeout);
  }

  @Override
  public boolean waitOne(Duration timeout) {
    return named.waitOne(timeout);
  }

  @Override
  public boolean cancel(String... names) {
    return named.cancel(names);
  }

  @Override
  public int cancelAll() {
    return named.cancelAll();
  }

  // ---------------------------------------------------------------- Kapu

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

  /** Runs SQL on a resource the workers host. */
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

  /** An executor over these workers; its tasks are demand too. */
  @Override
  public KapuExecutor executor() {
    return KapuExecutor.over(this);
  }

  @Override
  public long seed() {
    return kapu.seed();
  }
}
