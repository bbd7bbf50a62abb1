package dev.kapu.daemon;

import dev.kapu.flight.WorkerConnection;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks declared never to block ({@code TaskOptions.neverBlocks()}) on the network thread that
 * read them, as gRPC's {@code directExecutor()} runs a handler: it saves the hand-off to a task
 * thread and back, two of the six thread wake-ups of a task's round trip. Only a task that can wait
 * for nothing runs there; a daemon whose such task ran long stops running them there.
 */
final class InlineRuns {
  private static final Logger log = LoggerFactory.getLogger(InlineRuns.class);
  /** Far past a task of microseconds, and far below the liveness bound its stalled heartbeats count against. */
  static final Duration LONG_RUN = Duration.ofMillis(100);

  private final TaskPayloads payloads;
  private volatile boolean enabled;

  /**
   * @param enabled false for a daemon in its dispatcher's JVM: its "network thread" is the
   *     dispatcher's own thread that sent the assignment
   */
  InlineRuns(TaskPayloads payloads, boolean enabled) {
    this.payloads = payloads;
    this.enabled = enabled;
  }

  /**
   * Whether {@code assignment} may run on the network thread: declared never to block, not a
   * setup, no timeout (a timeout stops a task by interrupting its thread), not a map chunk (a chunk
   * of items is no task of microseconds), and its payload decodes without fetching anything from
   * the dispatcher, whose answer that very thread would have to read.
   */
  boolean accepts(WorkerConnection.Assignment assignment) {
    return enabled && assignment.nonBlocking() && !assignment.setup() && assignment.timeoutMillis() == 0
        && payloads.oneTaskDecodedWithoutWaiting(assignment.payload());
  }

  void run(AssignmentRun run, long taskId) {
    long started = System.nanoTime();
    run.runOnNetworkThread();
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    if (tookMillis > LONG_RUN.toMillis() && enabled) {
      enabled = false;
      log.warn("task {} was sent as never blocking (TaskOptions.neverBlocks()) but ran {} ms on the daemon's"
          + " network thread, which read and sent nothing meanwhile, heartbeats included; this daemon runs"
          + " such tasks on its task threads from now on", taskId, tookMillis);
    }
  }
}
