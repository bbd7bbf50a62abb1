package dev.kapu.client.controller;

import dev.kapu.api.ArrowTask;
import dev.kapu.api.MapFunction;
import dev.kapu.api.MapOptions;
import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.MapJob;
import dev.kapu.client.TaskFuture;
import dev.kapu.flight.ClusterStatus;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * A {@link Kapu} whose submissions are demand: it runs them on a dispatcher of its own and wakes
 * autoscaling after each, so that workers launch for them. The controller's Kapu side.
 */
abstract class DemandDrivenKapu implements Kapu {
  final LocalKapu kapu;

  DemandDrivenKapu(LocalKapu kapu) {
    this.kapu = kapu;
  }

  /** Runs a round of autoscaling soon. */
  abstract void wake();

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

  /** Runs SQL on a resource the workers host (see {@link Controller.Builder#resource}). */
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
}
