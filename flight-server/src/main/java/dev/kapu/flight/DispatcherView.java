package dev.kapu.flight;

import java.util.List;

/**
 * What the dispatcher holds now, for the status action: the queue and each daemon with the tasks
 * it runs and what it last reported.
 */
record DispatcherView(long queued, long running, List<DaemonView> daemons) {

  /** A task on a daemon, who submitted it ({@link TaskRequest#submitter}), and how long since it was sent there. */
  record RunningTask(long id, String submitter, long ageMillis) {}

  /**
   * @param report its last heartbeat's report; null before its first
   * @param cpuPercent its CPU use between its last two heartbeats; -1 before two
   */
  record DaemonView(ClusterStatus.Daemon daemon, List<RunningTask> tasks, DaemonReport report, long silentMillis,
      double cpuPercent) {}
}
