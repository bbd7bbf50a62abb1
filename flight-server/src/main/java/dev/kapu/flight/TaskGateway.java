package dev.kapu.flight;

import dev.kapu.api.Endpoint;
import java.util.concurrent.CompletableFuture;
import org.apache.arrow.vector.ipc.ArrowReader;

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

  /**
   * The connected daemons' slots in all (what a map sizes its chunks and window by), without the
   * status of each daemon: its cost does not grow with their number.
   */
  CompletableFuture<Integer> slots();

  /**
   * Parks a stream of Arrow batches at the dispatcher for a task to take with it: name {@code
   * ticket} in {@link TaskRequest#parked()}, and the daemon that runs the task fetches the stream
   * once. The gateway takes over {@code batches} and closes it. Completes when the stream is parked
   * (at once in the dispatcher's process; after the upload otherwise). Not claimed by a submitted
   * task, it is freed after a few minutes.
   *
   * @param ticket a fresh, unguessable name (a random UUID); one already in use is refused
   */
  CompletableFuture<Void> park(String ticket, ArrowReader batches);

  /** Opens a gateway to the dispatcher at {@code endpoint}; fails if the token is refused. */
  static TaskGateway connect(Endpoint endpoint) {
    return connect(endpoint, Liveness.DEFAULT);
  }

  /**
   * Opens a gateway that gives the dispatcher up, completing every open task as connection lost,
   * when it stops answering gRPC keepalive pings ({@link Liveness#keepAliveTime()}, {@link
   * Liveness#keepAliveTimeout()}).
   */
  static TaskGateway connect(Endpoint endpoint, Liveness liveness) {
    return RemoteGateway.connect(endpoint, liveness);
  }

  /**
   * As {@link #connect(Endpoint, Liveness)}, for a session that ships the code {@code codeId}
   * (empty for none), which the daemons release when this gateway's connection ends.
   */
  static TaskGateway connect(Endpoint endpoint, Liveness liveness, String codeId) {
    return RemoteGateway.connect(endpoint, liveness, codeId);
  }

  /**
   * Where a session on this gateway ships its code, over the gateway's own connection. A gateway
   * inside the dispatcher's process has none: a session there puts its code in {@code
   * KapuServer.codeStore()}.
   */
  default CodeSink code() {
    throw new UnsupportedOperationException("this gateway takes no shipped code: use KapuServer.codeStore()");
  }

  @Override
  void close();
}
