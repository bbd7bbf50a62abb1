package dev.kapu.client;

import dev.kapu.api.SerializableCallable;
import dev.kapu.api.SerializableRunnable;
import dev.kapu.api.Task;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link KapuExecutor} over any {@link Kapu}: every call submits Kapu tasks and hands back their
 * futures. {@code invokeAll} and {@code invokeAny} are written over those futures (the JDK's
 * versions wrap each task in an object of their own, which could not travel).
 */
final class KapuExecutorService implements KapuExecutor {
  private final Kapu kapu;
  private final Set<TaskFuture<?>> running = ConcurrentHashMap.newKeySet();
  private volatile boolean shutdown;

  KapuExecutorService(Kapu kapu) {
    this.kapu = kapu;
  }

  // ---------------------------------------------------------------- one task

  @Override
  public <T> TaskFuture<T> submit(Callable<T> task) {
    return send(asTask(task));
  }

  @Override
  public <T> TaskFuture<T> submit(SerializableCallable<T> task) {
    return send(asTask(task));
  }

  @Override
  public TaskFuture<?> submit(Runnable task) {
    return send(asTask(task, null));
  }

  @Override
  public TaskFuture<?> submit(SerializableRunnable task) {
    return send(asTask(task, null));
  }

  @Override
  public <T> TaskFuture<T> submit(Runnable task, T result) {
    return send(asTask(task, result));
  }

  @Override
  public <T> TaskFuture<T> submit(SerializableRunnable task, T result) {
    return send(asTask(task, result));
  }

  @Override
  public void execute(Runnable command) {
    send(asTask(command, null));
  }

  @Override
  public void execute(SerializableRunnable command) {
    send(asTask(command, null));
  }

  private static <T> Task<T> asTask(Callable<T> callable) {
    requireSerializable(callable, SerializableCallable.class);
    return ctx -> callable.call();
  }

  private static <T> Task<T> asTask(Runnable runnable, T result) {
    requireSerializable(runnable, SerializableRunnable.class);
    return ctx -> {
      runnable.run();
      return result;
    };
  }

  /** A task Java made without serialization cannot travel: say which Kapu type makes one that can. */
  private static void requireSerializable(Object task, Class<?> kapuType) {
    if (task == null) {
      throw new NullPointerException("no task given");
    }
    if (task instanceof Serializable) {
      return;
    }
    String what = task.getClass().isHidden()
        ? "it is a lambda written where Java expected a plain, non-serializable type, so Java made it"
            + " without serialization"
        : "its class, " + task.getClass().getSimpleName() + ", is not serializable";
    throw new RejectedExecutionException("this task cannot travel to a daemon: " + what + ". Write the"
        + " lambda where Kapu's " + kapuType.getName() + " is expected: submit and execute on a"
        + " KapuExecutor (what executor() returns) take one, and for invokeAll or invokeAny build the list"
        + " as List<" + kapuType.getSimpleName() + (kapuType == SerializableCallable.class ? "<T>" : "")
        + ">. A class of your own can implement it too");
  }

  private <T> TaskFuture<T> send(Task<T> task) {
    if (shutdown) {
      throw new RejectedExecutionException("this executor is shut down");
    }
    TaskFuture<T> f;
    try {
      f = kapu.submit(task);
    } catch (RuntimeException e) {
      // Anything that keeps a task from being queued (a full queue, a capture refused, a closed
      // session) is, for an ExecutorService, a rejection.
      throw new RejectedExecutionException(e.getMessage(), e);
    }
    running.add(f);
    f.whenComplete((v, e) -> running.remove(f));
    return f;
  }

  /** Converts every task first, so one that cannot travel is refused before any is sent. */
  private <T> List<TaskFuture<T>> sendAll(Collection<? extends Callable<T>> tasks) {
    List<Task<T>> converted = new ArrayList<>(tasks.size());
    for (Callable<T> c : tasks) {
      converted.add(asTask(c));
    }
    List<TaskFuture<T>> sent = new ArrayList<>(converted.size());
    try {
      for (Task<T> t : converted) {
        sent.add(send(t));
      }
    } catch (RuntimeException e) {
      sent.forEach(f -> f.cancel(true));
      throw e;
    }
    return sent;
  }

  // ---------------------------------------------------------------- invokeAll, invokeAny

  @Override
  public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
    List<TaskFuture<T>> sent = sendAll(tasks);
    try {
      for (TaskFuture<T> f : sent) {
        awaitQuietly(f, Long.MAX_VALUE);
      }
    } catch (InterruptedException | RuntimeException e) {
      sent.forEach(f -> f.cancel(true));
      throw e;
    }
    return List.copyOf(sent);
  }

  @Override
  public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    List<TaskFuture<T>> sent = sendAll(tasks);
    try {
      for (TaskFuture<T> f : sent) {
        if (!awaitQuietly(f, deadline - System.nanoTime())) {
          break; // the time is up: what has not ended is cancelled below
        }
      }
    } catch (InterruptedException | RuntimeException e) {
      sent.forEach(f -> f.cancel(true));
      throw e;
    }
    sent.forEach(f -> f.cancel(true)); // a no-op on those that ended
    return List.copyOf(sent);
  }

  /** Waits for {@code f} to end, however it ends; false if {@code nanos} passed first. */
  private static boolean awaitQuietly(Future<?> f, long nanos) throws InterruptedException {
    if (nanos <= 0) {
      return f.isDone();
    }
    try {
      f.get(nanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException | CancellationException e) {
      // ended: the caller reads how from the future
    } catch (TimeoutException e) {
      return false;
    }
    return true;
  }

  @Override
  public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
    Race<T> race = race(tasks);
    try {
      return race.first.get();
    } finally {
      race.cancelAll();
    }
  }

  @Override
  public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    long nanos = unit.toNanos(timeout);
    Race<T> race = race(tasks);
    try {
      return race.first.get(nanos, TimeUnit.NANOSECONDS);
    } finally {
      race.cancelAll();
    }
  }

  /**
   * Tasks sent all at once for invokeAny: {@code first} completes with the first value, or, if
   * every task fails, with the failure of the last one to end.
   */
  private record Race<T>(CompletableFuture<T> first, List<TaskFuture<T>> sent) {
    /** Once the race is decided (or given up): cancels what still runs. */
    void cancelAll() {
      sent.forEach(f -> f.cancel(true));
    }
  }

  private <T> Race<T> race(Collection<? extends Callable<T>> tasks) {
    if (tasks.isEmpty()) {
      throw new IllegalArgumentException("invokeAny needs at least one task");
    }
    List<TaskFuture<T>> sent = sendAll(tasks);
    CompletableFuture<T> first = new CompletableFuture<>();
    AtomicInteger failed = new AtomicInteger();
    for (TaskFuture<T> f : sent) {
      f.whenComplete((v, e) -> {
        if (e == null) {
          first.complete(v);
        } else if (failed.incrementAndGet() == sent.size()) {
          first.completeExceptionally(e);
        }
      });
    }
    return new Race<>(first, sent);
  }

  // ---------------------------------------------------------------- life

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    running.forEach(f -> f.cancel(true));
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    if (!shutdown) {
      return false;
    }
    // a finished task leaves the set from its future's callback, which may run after whoever the
    // future woke: what is done counts as done
    running.removeIf(CompletableFuture::isDone);
    return running.isEmpty();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    try {
      CompletableFuture.allOf(running.toArray(CompletableFuture[]::new))
          .exceptionally(e -> null)
          .get(timeout, unit);
      return isTerminated();
    } catch (ExecutionException e) {
      return isTerminated();
    } catch (TimeoutException e) {
      return false;
    }
  }
}
