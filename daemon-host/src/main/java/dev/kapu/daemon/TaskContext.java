package dev.kapu.daemon;

import java.util.concurrent.ConcurrentMap;
import java.util.random.RandomGenerator;

/** What a running task can reach on its daemon. */
public interface TaskContext {

  /**
   * This task's random stream. It depends only on the session's seed and the task's place in the
   * session (which submission, which map item), never on the daemon: results reproduce.
   */
  RandomGenerator random();

  /**
   * State shared by every task on this daemon for its lifetime; {@code everywhere()} setups
   * usually fill it.
   */
  ConcurrentMap<String, Object> state();

  /** The daemon running this task. */
  String daemonId();

  /** True once the task has been cancelled or timed out; long loops should check it (or interrupts). */
  boolean stopRequested();

  /** The context of the task running on this thread. */
  static TaskContext current() {
    TaskContext ctx = DaemonContexts.CURRENT.get();
    if (ctx == null) {
      throw new IllegalStateException("no Kapu task is running on this thread");
    }
    return ctx;
  }
}
