package dev.kapu.flight;

import dev.kapu.flight.internal.wire.Assignment;
import dev.kapu.flight.internal.wire.Cancel;
import dev.kapu.flight.internal.wire.ToWorker;
import dev.kapu.flight.internal.wire.ToWorkerBatch;
import dev.kapu.flight.internal.wire.WorkerHello;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connected daemon, as the dispatcher sees it. Guarded by the dispatcher's lock, except
 * {@link #lastHeard}, which heartbeats write without it.
 */
final class Worker {
  // The dispatcher's logger, so that these lines keep the name operators know them by.
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  final WorkerHello hello;
  final Consumer<ToWorker> out;
  final Runnable end;
  final long connectedAt = System.currentTimeMillis();
  /** When its last heartbeat arrived (clock nanoseconds). */
  volatile long lastHeard;
  /** What its process uses, as its hello or last heartbeat said; null if it never said. */
  volatile ProcessUsage usage;
  /** What its last heartbeat reported (heap, tables, limits); null before the first. */
  volatile DaemonReport report;
  /** Its CPU use between its last two heartbeats, 100 per busy core; -1 before two. */
  volatile double cpuPercent = -1;
  final Map<Long, Job> running = new HashMap<>();
  final Map<Long, Job> setupsRunning = new HashMap<>();
  Set<String> hosting;
  boolean draining;
  String drainReason;
  boolean gone;
  /** Whether it is in the dispatcher's {@link FreeWorkers} ring. */
  boolean inFreeRing;
  int runawayThreads;
  long completedHere;
  long failedHere;

  /** @param now when it said hello (clock nanoseconds): its silence is counted from then */
  Worker(WorkerHello hello, Consumer<ToWorker> out, Runnable end, long now) {
    this.hello = hello;
    this.out = out;
    this.end = end;
    this.lastHeard = now;
    this.usage = ProcessUsage.fromWire(hello.hasUsage(), hello.getUsage());
    this.hosting = Set.copyOf(hello.getResourcesList());
  }

  /**
   * A heartbeat at {@code now} (clock nanoseconds), with what its process uses and its report
   * (either null if it sent none: the last ones stay).
   */
  void heard(ProcessUsage heardUsage, DaemonReport heardReport, long now) {
    if (heardUsage != null) {
      ProcessUsage before = usage;
      if (before != null && before.cpuNanos() >= 0 && heardUsage.cpuNanos() >= 0 && now > lastHeard) {
        cpuPercent = 100.0 * (heardUsage.cpuNanos() - before.cpuNanos()) / (now - lastHeard);
      }
      usage = heardUsage;
    }
    if (heardReport != null) {
      report = heardReport;
    }
    lastHeard = now;
  }

  boolean hosts(List<String> needs) {
    return hosting.containsAll(needs);
  }

  boolean free() {
    return !draining && !gone && setupsRunning.isEmpty() && running.size() < hello.getSlots();
  }

  void send(ToWorker message) {
    try {
      out.accept(message);
    } catch (RuntimeException e) {
      // The stream is closing; its close callback reports the loss.
      log.debug("could not send to daemon {}: {}", hello.getDaemonId(), e.toString());
    }
  }

  /** Sends {@code assignments} in order, as one message. */
  void assign(List<Assignment> assignments) {
    ToWorker.Builder message = ToWorker.newBuilder();
    if (assignments.size() == 1) {
      message.setAssign(assignments.get(0));
    } else {
      ToWorkerBatch.Builder batch = ToWorkerBatch.newBuilder();
      for (Assignment a : assignments) {
        batch.addMessages(ToWorker.newBuilder().setAssign(a));
      }
      message.setBatch(batch);
    }
    send(message.build());
  }

  /** Tells the daemon to stop task {@code taskId}. */
  void cancel(long taskId) {
    send(ToWorker.newBuilder().setCancel(Cancel.newBuilder().setTaskId(taskId)).build());
  }

  /** Ends the daemon's stream; the daemon then leaves. */
  void endStream() {
    try {
      end.run();
    } catch (RuntimeException e) {
      log.debug("ending the stream of {} failed: {}", describe(), e.toString());
    }
  }

  /** How many of its tasks still run: a cancelled or timed-out one keeps its slot but is not counted. */
  long executing() {
    return running.values().stream().filter(j -> j.state == Job.State.RUNNING).count();
  }

  /** How it shows in the cluster's status, {@code executing} of its tasks still running. */
  ClusterStatus.Daemon status(long executing) {
    return new ClusterStatus.Daemon(
        hello.getDaemonId(), hello.getHost(), hello.getPid(), hello.getSlots(),
        executing, completedHere, failedHere, connectedAt, draining,
        List.copyOf(new TreeSet<>(hosting)), hello.getFlightUrl(), runawayThreads,
        Optional.ofNullable(usage));
  }

  String describe() {
    return "daemon " + hello.getDaemonId() + " (" + hello.getHost() + ", pid " + hello.getPid() + ")";
  }
}
