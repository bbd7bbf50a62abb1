package dev.kapu.client;

import dev.kapu.flight.TaskHandle;
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
  private volatile TaskHandle handle;

  TaskFuture() {}

  void attach(TaskHandle handle) {
    this.handle = handle;
    if (isCancelled()) {
      handle.cancel();
    }
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    TaskHandle h = handle;
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
