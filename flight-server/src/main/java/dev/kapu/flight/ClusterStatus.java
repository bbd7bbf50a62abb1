package dev.kapu.flight;

import java.util.List;
import java.util.Optional;

/**
 * A snapshot of the dispatcher.
 *
 * @param awaiting tasks queued, not yet on a daemon
 * @param executing tasks on daemons now
 * @param completed tasks that ended, whatever the outcome
 * @param daemons the daemons connected now
 * @param departed daemons that left recently (the last few hundred), oldest first
 */
public record ClusterStatus(
    long awaiting, long executing, long completed, List<Daemon> daemons, List<Departure> departed) {

  /**
   * A daemon that left.
   *
   * @param clean it drained and left on its own (a limit, a close); false if it was lost
   */
  public record Departure(String id, boolean clean, String reason, long atMillis) {}


  /**
   * One connected daemon.
   *
   * @param runawayThreads threads of cancelled or timed-out tasks that ignored their interrupt and
   *     still run there: a daemon that is its own process is recycled for them (it drains and
   *     exits), one inside another program (in-process) keeps them and shows them here
   * @param usage what its process uses, as it last reported (with its hello, then every heartbeat)
   */
  public record Daemon(
      String id,
      String host,
      long pid,
      int slots,
      long executing,
      long completed,
      long failed,
      long connectedAtMillis,
      boolean draining,
      List<String> resources,
      String flightUrl,
      int runawayThreads,
      Optional<ProcessUsage> usage) {}
}
