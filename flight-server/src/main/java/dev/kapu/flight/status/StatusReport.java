package dev.kapu.flight.status;

import java.util.List;
import java.util.Map;

/**
 * What the {@code kapu.status} action answers, as JSON (Jackson binds these records): the server,
 * its daemons, the task queue and its rolling figures, the Flight SQL sessions, the resources and
 * the counters since start. Field names are a contract with {@code kapu status} and the dashboard:
 * fields may be added, never renamed.
 */
public record StatusReport(Server server, List<Daemon> daemons, Tasks tasks, List<Session> sessions,
    List<Resource> resources, Counters counters) {

  /** The server process: its Kapu version, when it started, for how long. */
  public record Server(String version, long startedAtMillis, long uptimeSeconds) {}

  /**
   * A connected daemon as its last heartbeat reported it. Figures it never reported are -1.
   *
   * @param cpuPercent its process's CPU use between its last two reports, 100 per busy core
   * @param limits what it is bound by (slots, heap, task limits), as name to value
   */
  public record Daemon(String id, String host, long pid, int slots, long busySlots, double cpuPercent,
      long heapUsedBytes, long heapMaxBytes, long rssBytes, long lastHeartbeatMillisAgo,
      List<RunningTask> runningTasks, List<HostedResource> resources, List<Table> tables,
      Map<String, String> limits) {}

  /** A task running on a daemon; {@code sessionId} is the client session that submitted it, if known. */
  public record RunningTask(String taskId, String sessionId, long ageMillis) {}

  /** A resource a daemon hosts, and its kind (duckdb, jdbc, adbc, table...). */
  public record HostedResource(String name, String kind) {}

  /** An Arrow table a daemon holds in memory. */
  public record Table(String name, long rows, long bytes) {}

  /**
   * The task queue now and over the last minutes.
   *
   * @param perSecond tasks completed per second, over the last few seconds
   * @param errorsByKind tasks that ended other than successfully, by how, since start
   * @param history one sample a second, oldest first, for the last minutes
   */
  public record Tasks(long queued, long running, double perSecond, long rttP50Micros, long rttP99Micros,
      Map<String, Long> errorsByKind, List<Sample> history) {}

  /** One second of the task queue's history. */
  public record Sample(long atMillis, double tasksPerSecond, long queueDepth) {}

  /**
   * A Flight SQL client's session: one login (the bearer token its handshake got).
   *
   * @param statement the statement it runs now, or null
   */
  public record Session(String id, String user, String clientAddress, long startedAtMillis, Statement statement,
      long rowsSent, long bytesSent) {}

  /** A statement that runs now: its id (for {@code kapu.cancel-statement}), text, catalog and age. */
  public record Statement(String id, String text, String resource, long ageMillis) {}

  /**
   * A served resource and where it lives.
   *
   * @param placement {@code replicated} (opened on every daemon) or {@code pinned} (on one)
   */
  public record Resource(String name, String kind, String placement, List<String> daemons) {}

  /** Counts since the server started, for metrics. */
  public record Counters(Map<String, Long> tasksByOutcome, Histogram taskLatencySeconds,
      Map<String, Long> statementsByCode, long bytesStreamed, long rowsStreamed) {}

  /**
   * A cumulative histogram, as Prometheus has them: {@code counts[i]} observations were at most
   * {@code le[i]} seconds. The +Inf bucket is {@code count} (JSON has no infinity).
   */
  public record Histogram(List<Double> le, List<Long> counts, double sum, long count) {}
}
