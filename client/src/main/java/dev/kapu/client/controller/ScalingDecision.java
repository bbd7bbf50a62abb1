package dev.kapu.client.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * One round of a controller's autoscaling, decided from what it sees: demand, supply, its limits,
 * its launch failures and the time. Pure (no clock, thread or I/O of its own), so every situation
 * can be tried without starting a process.
 *
 * <ul>
 *   <li><b>demand</b> = tasks awaiting at the dispatcher + tasks executing on workers that are not
 *       leaving, in workers ({@code slots} tasks each), capped at {@code maxWorkers};
 *   <li><b>supply</b> = workers connected and not leaving + workers launched and still inside
 *       their connect window ({@code launchTimeout}).
 * </ul>
 *
 * The decision launches the missing workers and stops launches whose connect window ran out. It
 * never stops a connected worker: workers leave on their own (idle, wall time, task limit: the
 * controller hands those limits to each worker's command), so there is no idle or minimum count to
 * decide here. After a failed launch it waits out the back-off; after {@code launchFailuresMax}
 * failures in a row with no worker connected or launching, it gives up (pushed tasks then fail).
 */
final class ScalingDecision {
  private ScalingDecision() {}

  /**
   * @param maxWorkers the most workers at once
   * @param slots tasks each worker runs at once
   * @param launchTimeoutNanos how long a launched worker may take to connect
   * @param launchFailuresMax failed launches in a row before giving up; 0: never give up
   */
  record Limits(int maxWorkers, int slots, long launchTimeoutNanos, int launchFailuresMax) {}

  /**
   * @param awaiting tasks queued at the dispatcher
   * @param executing tasks running on workers that are not leaving
   */
  record Demand(long awaiting, long executing) {}

  /** A launched worker that has not connected yet, and when it was launched ({@link System#nanoTime}). */
  record Launching(String id, long launchedAt) {}

  /**
   * @param connected workers connected and not leaving
   * @param launching workers launched and not yet connected, whatever their age
   */
  record Supply(int connected, List<Launching> launching) {}

  /**
   * @param inARow launches that failed since a worker last connected
   * @param backoffUntil no launch before this time ({@link System#nanoTime}); empty: none pending
   */
  record Failures(int inARow, OptionalLong backoffUntil) {
    static final Failures NONE = new Failures(0, OptionalLong.empty());
  }

  /**
   * @param launch how many workers to launch now, in one request
   * @param stop launching workers whose connect window ran out: stop them, they count as failures
   * @param giveUp launches keep failing and no worker is connected or launching
   */
  record Outcome(int launch, List<String> stop, boolean giveUp) {}

  static Outcome decide(Demand demand, Supply supply, Failures failures, Limits limits, long now) {
    List<String> stop = new ArrayList<>();
    for (Launching w : supply.launching()) {
      if (now - w.launchedAt() > limits.launchTimeoutNanos()) { // a difference: nanoTime may wrap
        stop.add(w.id());
      }
    }
    int stillLaunching = supply.launching().size() - stop.size();
    long failuresInARow = (long) failures.inARow() + stop.size();
    boolean giveUp = limits.launchFailuresMax() > 0 && failuresInARow >= limits.launchFailuresMax()
        && supply.connected() == 0 && stillLaunching == 0;
    // A launch that just timed out starts a back-off of its own.
    boolean backingOff = !stop.isEmpty()
        || failures.backoffUntil().isPresent() && failures.backoffUntil().getAsLong() - now > 0;
    int launch = 0;
    if (!giveUp && !backingOff) {
      long needed = Math.min(limits.maxWorkers(), workersFor(demand.awaiting() + demand.executing(), limits.slots()));
      launch = (int) Math.max(0, needed - supply.connected() - stillLaunching);
    }
    return new Outcome(launch, List.copyOf(stop), giveUp);
  }

  /** Workers of {@code slots} slots that {@code tasks} tasks fill, the last one partly. */
  private static long workersFor(long tasks, int slots) {
    return tasks / slots + (tasks % slots == 0 ? 0 : 1);
  }

  /** The pause before the next launch after one more failure: 250 ms, doubling up to 30 s. */
  static long nextBackoffMillis(long previousMillis) {
    return Math.min(30_000, Math.max(250, previousMillis * 2));
  }
}
