package dev.kapu.client;

import dev.kapu.api.QueueFullException;
import dev.kapu.api.Task;
import java.io.Serializable;
import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link java.util.concurrent.ExecutorService} over a Kapu session: {@code submit}, {@code
 * invokeAll} and {@code invokeAny} run their tasks on daemons.
 */
final class KapuExecutorService extends AbstractExecutorService {
  private final Session session;
  private final Set<CompletableFuture<?>> running = ConcurrentHashMap.newKeySet();
  private volatile boolean shutdown;

  KapuExecutorService(Session session) {
    this.session = session;
  }

  /** A task not yet sent: AbstractExecutorService makes these and hands them to {@link #execute}. */
  private final class RemoteTask<T> extends CompletableFuture<T> implements RunnableFuture<T> {
    private final Task<T> task;
    private volatile TaskFuture<T> remote;

    RemoteTask(Task<T> task) {
      this.task = task;
    }

    @Override
    public void run() {
      if (isDone()) {
        return;
      }
      TaskFuture<T> f = session.submit(task);
      remote = f;
      running.add(this);
      f.whenComplete((v, e) -> {
        running.remove(this);
        if (e != null) {
          completeExceptionally(e);
        } else {
          complete(v);
        }
      });
      if (isCancelled()) {
        f.cancel(true);
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      TaskFuture<T> f = remote;
      if (cancelled && f != null) {
        f.cancel(mayInterruptIfRunning);
      }
      return cancelled;
    }
  }

  @Override
  protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
    Callable<T> c = requireSerializable(callable);
    return new RemoteTask<>(ctx -> c.call());
  }

  @Override
  protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
    Runnable r = requireSerializable(runnable);
    return new RemoteTask<>(ctx -> {
      r.run();
      return value;
    });
  }

  @Override
  public void execute(Runnable command) {
    if (shutdown) {
      throw new RejectedExecutionException("this executor is shut down");
    }
    try {
      if (command instanceof RemoteTask<?> task) {
        task.run();
      } else {
        newTaskFor(command, null).run();
      }
    } catch (QueueFullException e) {
      throw new RejectedExecutionException(e.getMessage(), e);
    }
  }

  private static <X> X requireSerializable(X task) {
    if (!(task instanceof Serializable)) {
      throw new RejectedExecutionException(task.getClass().getName() + " is not Serializable, so it"
          + " cannot travel to a daemon: write it as (Callable<T> & Serializable) () -> ... or make"
          + " the class Serializable");
    }
    return task;
  }

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
    return shutdown && running.isEmpty();
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
