package dev.kapu.client;

import dev.kapu.api.SerializableCallable;
import dev.kapu.api.SerializableRunnable;
import java.util.concurrent.ExecutorService;

/**
 * An {@link ExecutorService} whose tasks run on daemons ({@link Kapu#executor()}). A task travels,
 * so it must be serializable; Java makes a lambda serializable only when its target type is. The
 * overloads here take Kapu's {@link SerializableCallable} and {@link SerializableRunnable}, which
 * Java prefers for a lambda, so {@code executor.submit(() -> 6 * 7)} needs no cast when {@code
 * executor} is a {@code KapuExecutor}. {@code invokeAll} and {@code invokeAny} take a collection,
 * whose element type decides: build it as {@code List<SerializableCallable<T>>}.
 *
 * <p>Every future returned is a {@link TaskFuture}: cancelling it drops or interrupts the task on
 * its daemon. {@code invokeAny} sends all its tasks at once and cancels the rest once one succeeds.
 * Shutting the executor down does not close the session.
 */
public interface KapuExecutor extends ExecutorService {

  /** An executor whose tasks {@code kapu} submits (a session, a controller, a group...). */
  static KapuExecutor over(Kapu kapu) {
    return new KapuExecutorService(kapu);
  }

  <T> TaskFuture<T> submit(SerializableCallable<T> task);

  TaskFuture<?> submit(SerializableRunnable task);

  <T> TaskFuture<T> submit(SerializableRunnable task, T result);

  void execute(SerializableRunnable command);
}
