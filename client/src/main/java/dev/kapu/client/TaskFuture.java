package dev.kapu.client;

import dev.kapu.flight.TaskHandle;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The future of a submitted task. It completes exactly once: with the task's value, or with a
 * {@link RemoteTaskException}, {@link TaskTimeoutException}, {@link DaemonLostException},
 * {@link ConnectionLostException} or a cancellation. Dependent actions that are not {@code
 * ...Async} run on Kapu's network thread: keep them short, or use the async variants.
 *
 * <p>{@link #cancel(boolean)} drops the task if it is queued and interrupts it if it is running.
 *
 * @param <T> the task's result type
 */
public class TaskFuture<T> extends CompletableFuture<T> {
  /**
   * The way to cancel the task while it is open. Dropped once the future completes: the handle
   * may hold the task's payload (the dispatcher's queue entry), which a caller keeping many
   * completed futures must not keep with them.
   */
  private volatile TaskHandle handle;
  /**
   * The session's open futures, which this one leaves as it completes: done here rather than by a
   * {@code whenComplete} stage, which cost every task a future and a callback of its own.
   */
  private final Set<CompletableFuture<?>> open;

  /** A future that is in {@code open} until it completes, however it completes. */
  TaskFuture(Set<CompletableFuture<?>> open) {
    this.open = open;
    open.add(this);
  }

  void attach(TaskHandle handle) {
    this.handle = handle;
    if (isDone()) {
      this.handle = null;
      if (isCancelled()) {
        handle.cancel();
      }
    }
  }

  @Override
  public boolean complete(T value) {
    boolean completed = super.complete(value);
    ended();
    return completed;
  }

  @Override
  public boolean completeExceptionally(Throwable failure) {
    boolean completed = super.completeExceptionally(failure);
    ended();
    return completed;
  }

  @Override
  public void obtrudeValue(T value) {
    super.obtrudeValue(value);
    ended();
  }

  @Override
  public void obtrudeException(Throwable failure) {
    super.obtrudeException(failure);
    ended();
  }

  private void ended() {
    handle = null;
    open.remove(this);
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    TaskHandle h = handle;
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    ended();
    if (cancelled && h != null) {
      h.cancel();
    }
    return cancelled;
  }

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }
}
