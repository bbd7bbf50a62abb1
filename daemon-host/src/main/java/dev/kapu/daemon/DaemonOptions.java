package dev.kapu.daemon;

import dev.kapu.flight.Endpoint;
import java.time.Duration;
import java.util.List;

/**
 * How a daemon runs.
 *
 * @param endpoint the dispatcher to dial
 * @param daemonId how the dispatcher names this daemon
 * @param slots how many tasks run at once
 * @param idle leave after this long with nothing to do; zero for never
 * @param wall leave after this long in all, once running tasks finish; zero for never
 * @param maxTasks leave after this many tasks; zero for no limit
 * @param allow patterns added to the deserialization allow-list
 * @param stopGrace how long a cancelled or timed-out task may take to honour its interrupt
 *     before its thread is abandoned and its slot given to the next task
 * @param resources what this daemon opens at start and hosts
 */
public record DaemonOptions(
    Endpoint endpoint,
    String daemonId,
    int slots,
    Duration idle,
    Duration wall,
    long maxTasks,
    List<String> allow,
    Duration stopGrace,
    List<ResourceSpec> resources) {

  public DaemonOptions {
    if (slots < 1) {
      throw new IllegalArgumentException("a daemon needs at least one slot");
    }
    if (maxTasks < 0 || idle.isNegative() || wall.isNegative() || stopGrace.isNegative()) {
      throw new IllegalArgumentException("limits must not be negative");
    }
    allow = List.copyOf(allow);
    resources = List.copyOf(resources);
  }

  /** One slot, no limits, the default allow-list. */
  public static DaemonOptions of(Endpoint endpoint, String daemonId) {
    return new DaemonOptions(endpoint, daemonId, 1, Duration.ZERO, Duration.ZERO, 0, List.of(),
        Duration.ofSeconds(1), List.of());
  }

  public DaemonOptions withResources(List<ResourceSpec> specs) {
    return new DaemonOptions(endpoint, daemonId, slots, idle, wall, maxTasks, allow, stopGrace, specs);
  }
}
