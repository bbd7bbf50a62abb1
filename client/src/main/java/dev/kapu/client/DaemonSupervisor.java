package dev.kapu.client;

import dev.kapu.api.ResourceSpec;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.flight.KapuServer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a local session's daemon processes up while it is open. A daemon that dies (a crash,
 * SIGKILL, killed as lost, or recycled for a runaway task) is replaced by one that opens the same
 * resources, so a pinned resource reopens there: a DuckDB file with what was committed, an
 * in-memory one empty. Meanwhile the dispatcher holds work for those resources (up to the
 * patience) instead of failing it. Replacements back off ({@link RestartBackoff}) and every death
 * is logged with its exit code and the tail of the daemon's log. Once closed, nothing is replaced.
 */
final class DaemonSupervisor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DaemonSupervisor.class);

  private final KapuServer server;
  private final ProcessDaemons daemons;
  private final Duration patience;
  private final ScheduledExecutorService restarts;
  /** Ctrl-C reaches the daemons too: their deaths then are no reason to start others. */
  private final Thread stopOnShutdown = new Thread(() -> closed = true, "kapu-supervisor-shutdown");
  private volatile boolean closed;

  /** @param patience how long work waits for a replacement to connect before it fails */
  DaemonSupervisor(KapuServer server, ProcessDaemons daemons, Duration patience) {
    this.server = server;
    this.daemons = daemons;
    this.patience = patience;
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "kapu-supervisor");
      t.setDaemon(true);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    this.restarts = executor;
    Runtime.getRuntime().addShutdownHook(stopOnShutdown);
  }

  /** A daemon and its replacements: they open the same resources and share a backoff. */
  private static final class Line {
    final String firstId;
    final List<ResourceSpec> resources;
    final RestartBackoff backoff = new RestartBackoff();
    int generation = 1;

    Line(String firstId, List<ResourceSpec> resources) {
      this.firstId = firstId;
      this.resources = List.copyOf(resources);
    }

    synchronized String nextId() {
      return firstId + "." + (++generation);
    }
  }

  /** Watches a daemon that has connected: if it dies while the session is open, it is replaced. */
  void watch(String id, List<ResourceSpec> resources) {
    server.supervise(resources.stream().map(ResourceSpec::name).toList(), patience);
    watch(new Line(id, resources), id);
  }

  private void watch(Line line, String id) {
    daemons.ended(id).thenAccept(end -> died(line, id, end.uptime(), end.describe(), end.logTail()));
  }

  private void died(Line line, String id, Duration uptime, String how, String logTail) {
    if (closed) {
      return;
    }
    server.daemonExited(id, how);
    Duration delay = line.backoff.afterDeath(uptime);
    String next = line.nextId();
    log.warn("daemon {} died after {}: {}{}; starting {} in its place {} (deaths in a row: {}), to host {};"
            + " its log ends with:\n{}", id, seconds(uptime), how, departure(id), next,
        delay.isZero() ? "now" : "in " + seconds(delay), line.backoff.deathsInARow(),
        line.resources.stream().map(ResourceSpec::name).toList(), logTail);
    try {
      restarts.schedule(() -> replace(line, next), delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private void replace(Line line, String id) {
    if (closed) {
      return;
    }
    try {
      daemons.start(id, line.resources);
    } catch (RuntimeException e) {
      died(line, id, Duration.ZERO, "it could not be started: " + e.getMessage(), "");
      return;
    }
    watch(line, id);
  }

  private static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  /** What the dispatcher recorded of the daemon's departure, such as why it was recycled. */
  private String departure(String id) {
    try {
      return server.gateway().status().get(5, TimeUnit.SECONDS).departed().stream()
          .filter(d -> d.id().equals(id))
          .map(ClusterStatus.Departure::reason)
          .reduce((first, second) -> second)
          .map(reason -> "; the dispatcher recorded: " + reason)
          .orElse("");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      return "";
    }
  }

  /** Stops replacing daemons; a replacement being started finishes starting, and is closed with the others. */
  @Override
  public void close() {
    closed = true;
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnShutdown);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook has run or is running
    }
    restarts.shutdownNow();
    try {
      restarts.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
