package dev.kapu.flight;

import java.util.concurrent.CompletableFuture;

/**
 * The way into a dispatcher, in this process ({@link KapuServer#gateway()}) or over the network
 * ({@link #connect(Endpoint)}).
 */
public interface TaskGateway extends AutoCloseable {

  /** Queues a task; {@code listener} hears its outcome exactly once. */
  TaskHandle submit(TaskRequest request, OutcomeListener listener);

  /**
   * Runs a setup on every connected daemon, and on every daemon that joins later before it takes
   * any task. The listener hears one outcome per daemon connected now, the last one marked.
   */
  TaskHandle everywhere(TaskRequest request, OutcomeListener listener);

  CompletableFuture<ClusterStatus> status();

  /** Opens a gateway to the dispatcher at {@code endpoint}; fails if the token is refused. */
  static TaskGateway connect(Endpoint endpoint) {
    return dev.kapu.flight.internal.RemoteGateway.connect(endpoint);
  }

  @Override
  void close();
}
