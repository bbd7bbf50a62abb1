package dev.kapu.flight;

import io.grpc.Context;
import java.util.concurrent.Executor;

/**
 * Reacts at once when the client of the call a server thread serves cancels it (drops a {@code
 * DoGet}, closes its stream, times out). Flight's own cancel callback runs on that very thread
 * once the producer's method returns, which is too late for a method that blocks until a query
 * produces its first batch; gRPC's call context learns of the cancel as it happens.
 */
public final class ClientCancellation implements AutoCloseable {
  private final Context context;
  private final Context.CancellationListener listener;

  private ClientCancellation(Context context, Context.CancellationListener listener) {
    this.context = context;
    this.listener = listener;
  }

  /**
   * Runs {@code action} on {@code executor} if the client cancels the call this thread serves;
   * close the returned watch when the call is done (a call that ends normally runs nothing).
   */
  public static ClientCancellation watch(Runnable action, Executor executor) {
    Context context = Context.current();
    Context.CancellationListener listener = c -> {
      if (c.cancellationCause() != null) { // gRPC also cancels a finished call's context, without a cause
        action.run();
      }
    };
    context.addListener(listener, executor);
    return new ClientCancellation(context, listener);
  }

  @Override
  public void close() {
    context.removeListener(listener);
  }
}
