package dev.kapu.daemon;

import dev.kapu.api.spi.DaemonOptions;
import java.time.Duration;

/**
 * When a daemon leaves of its own accord: once it has accepted its last task, once its wall time
 * has passed, or once it has been idle for its idle time; a zero limit never applies. Each answer
 * is the reason the daemon gives when it drains, or null to go on.
 */
record WorkLimits(Duration idle, Duration wall, long maxTasks) {
  static WorkLimits of(DaemonOptions options) {
    return new WorkLimits(options.idle(), options.wall(), options.maxTasks());
  }

  /** Whether a clock must watch the daemon: it has an idle or a wall time. */
  boolean timed() {
    return !idle.isZero() || !wall.isZero();
  }

  /** After the daemon accepted its {@code accepted}-th task. */
  String afterAccepting(long accepted) {
    return maxTasks > 0 && accepted >= maxTasks ? "it reached its limit of " + maxTasks + " task(s)" : null;
  }

  /**
   * At {@code now}, for a daemon that started at {@code startedAt} and last began or ended a task
   * at {@code lastActivity} (all {@link System#nanoTime()}); a {@code busy} daemon (running
   * tasks or setups, holding a transaction, or a result waiting or streaming) is not idle.
   */
  String at(long now, long startedAt, boolean busy, long lastActivity) {
    if (!wall.isZero() && now - startedAt >= wall.toNanos()) {
      return "it reached its wall time of " + wall.toSeconds() + " s";
    }
    if (!idle.isZero() && !busy && now - lastActivity >= idle.toNanos()) {
      return "it was idle for " + idle.toSeconds() + " s";
    }
    return null;
  }
}
