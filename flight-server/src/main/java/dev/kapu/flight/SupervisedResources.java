package dev.kapu.flight;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Resources that a supervisor keeps up ({@code Kapu.local}, {@code kapu serve}): while no
 * connected daemon hosts them, because their daemon died and its replacement is starting, work
 * that names them waits for a host, for at most the patience, instead of failing as unroutable.
 * The patience runs from when the task was queued or when its resources lost their last host,
 * whichever is later; the dispatcher's sweep looks again while tasks wait. Not thread-safe: the
 * dispatcher calls it under its lock.
 */
final class SupervisedResources {
  private final Set<String> names = new HashSet<>();
  private long patienceNanos;
  /** For each set of needs that no connected daemon hosts: since when. */
  private final Map<List<String>, Long> unhostedSince = new HashMap<>();
  private boolean waiting;

  /** From now on, work naming only {@code resources} waits up to {@code patience} for a host. */
  void add(Collection<String> resources, Duration patience) {
    if (patience.isNegative() || patience.isZero()) {
      throw new IllegalArgumentException("the patience must be positive");
    }
    names.addAll(resources);
    patienceNanos = patience.toNanos();
  }

  boolean active() {
    return patienceNanos > 0;
  }

  /** Whether work needing {@code needs} (none: any daemon) waits while nothing hosts them. */
  boolean awaits(List<String> needs) {
    return active() && names.containsAll(needs);
  }

  /** Records whether some connected daemon hosts {@code needs} at {@code now}. */
  void observe(List<String> needs, boolean hosted, long now) {
    if (hosted) {
      unhostedSince.remove(needs);
    } else if (awaits(needs)) {
      unhostedSince.putIfAbsent(needs, now);
    }
  }

  /**
   * No task waits for {@code needs} any more: a loss of their host is observed afresh for the next
   * one, which is no earlier than that task was queued, so its patience is not cut short.
   */
  void forget(List<String> needs) {
    unhostedSince.remove(needs);
  }

  /** When a task queued at {@code queuedAt} for unhosted {@code needs} stops waiting (nano time). */
  long deadline(List<String> needs, long queuedAt) {
    long since = unhostedSince.getOrDefault(needs, queuedAt);
    return (since - queuedAt > 0 ? since : queuedAt) + patienceNanos;
  }

  /** Why a task that waited out its patience fails. */
  String waitedTooLong(List<String> needs) {
    String what = needs.isEmpty() ? "no daemon has been connected" : "no daemon hosting " + needs + " has been connected";
    long millis = TimeUnit.NANOSECONDS.toMillis(patienceNanos);
    String patience = millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    return what + " for " + patience + ": its daemon is gone and the"
        + " replacement being started has not connected yet (the server's log says why)";
  }

  /** Records whether tasks wait for a host, so that the sweep knows to look again. */
  void waiting(boolean waiting) {
    this.waiting = waiting;
  }

  boolean waiting() {
    return waiting;
  }
}
