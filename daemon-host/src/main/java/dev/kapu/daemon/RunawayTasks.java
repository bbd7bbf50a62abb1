package dev.kapu.daemon;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Threads of stopped tasks (cancelled, timed out) that ignored their interrupt for the grace and
 * still run: nobody waits for their work, yet each may burn a core. A daemon that is its own
 * process is recycled for them: it takes no more tasks, lets its other tasks finish (for at most
 * {@link #RECYCLE_DRAIN}) and exits, and its supervisor or controller starts a fresh one. A daemon
 * inside another program cannot exit for them, so its runaways are counted and reported.
 */
final class RunawayTasks {
  private static final Logger log = LoggerFactory.getLogger(RunawayTasks.class);

  /** How long a recycled daemon waits for its other tasks before it leaves without them. */
  static final Duration RECYCLE_DRAIN = Duration.ofSeconds(30);

  private final boolean recycle;
  private final IntConsumer announce;
  private final Consumer<String> leave;
  private final AtomicInteger threads = new AtomicInteger();

  /**
   * @param recycle the daemon is its own process and leaves for a runaway
   * @param announce tells the dispatcher how many runaway threads run now
   * @param leave drains the daemon, with the reason, and makes it exit within the drain bound
   */
  RunawayTasks(boolean recycle, IntConsumer announce, Consumer<String> leave) {
    this.recycle = recycle;
    this.announce = announce;
    this.leave = leave;
  }

  /**
   * The thread of {@code taskId}, stopped because it {@code why} ("cancelled", "ran past its
   * timeout of 300 ms"), still runs after {@code grace}; returns what its outcome's message adds.
   */
  String ranAway(long taskId, String why, Duration grace) {
    int now = threads.incrementAndGet();
    announce.accept(now);
    String what = "task " + taskId + " (" + why + ") ignored its interrupt for " + grace.toMillis() + " ms";
    if (recycle) {
      log.warn("{}; recycling this daemon: it takes no more tasks and exits once its other tasks end"
          + " (within {} s), so that the thread stops", what, RECYCLE_DRAIN.toSeconds());
      leave.accept("recycled: " + what);
      return "; it did not stop when interrupted, so its daemon is being recycled";
    }
    log.warn("{}; its thread runs on ({} such thread(s) now): this daemon runs inside another program,"
        + " which it cannot exit", what, now);
    return "; it did not stop when interrupted, so its thread was abandoned and runs on";
  }

  /** A thread counted by {@link #ranAway} returned at last. */
  void ended() {
    announce.accept(threads.decrementAndGet());
  }

  /** Runaway threads running now. */
  int count() {
    return threads.get();
  }
}
