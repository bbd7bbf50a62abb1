package dev.kapu.client.controller;

import dev.kapu.client.launch.Launch;
import dev.kapu.flight.ClusterStatus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller's workers: the live ones and the most recent ended ones, kept up to date with what
 * the dispatcher reports each round. Thread-safe; it never calls a launcher while holding its lock
 * except to ask whether a launch has ended, and hands stops back to the caller to run outside it.
 */
final class WorkerTable {
  private static final Logger log = LoggerFactory.getLogger(WorkerTable.class);
  private static final int ENDED_WORKERS_KEPT = 1000;

  private final String controller;
  private final LaunchBook book;
  private final LinkedHashMap<String, Worker> workers = new LinkedHashMap<>();
  private final ArrayDeque<String> endedOrder = new ArrayDeque<>();

  WorkerTable(String controller, LaunchBook book) {
    this.controller = controller;
    this.book = book;
  }

  /**
   * What the round saw: the supply for {@link ScalingDecision}, and workers to stop (lost ones,
   * perhaps frozen or cut off: stopped, they cannot wake up and hold on to their job).
   */
  record Observed(ScalingDecision.Supply supply, List<Runnable> stops) {}

  /**
   * Brings every worker up to date with {@code status}: launching ones that connected or ended,
   * connected ones that left or were lost, and daemons started by hand against the controller's
   * endpoint, which serve its queue too.
   */
  synchronized Observed observe(ClusterStatus status, long now) {
    Map<String, ClusterStatus.Daemon> connected = new HashMap<>();
    for (ClusterStatus.Daemon d : status.daemons()) {
      connected.put(d.id(), d);
    }
    Map<String, ClusterStatus.Departure> departures = new HashMap<>();
    for (ClusterStatus.Departure d : status.departed()) {
      departures.put(d.id(), d);
    }
    int active = 0;
    List<ScalingDecision.Launching> launching = new ArrayList<>();
    List<Runnable> stops = new ArrayList<>();
    List<Worker> ended = new ArrayList<>();
    for (Worker w : workers.values()) {
      if (!w.state.live()) {
        continue;
      }
      ClusterStatus.Daemon d = connected.remove(w.id);
      if (w.state == WorkerSummary.State.LAUNCHING) {
        if (d == null) {
          Optional<String> end = w.launch.ended(w.id);
          if (end.isPresent()) {
            failed(w, "it ended before connecting: " + end.get(), now);
            ended.add(w);
          } else {
            launching.add(new ScalingDecision.Launching(w.id, w.launchedAt));
          }
          continue;
        }
        w.connectedAt = now;
        w.connectedAtMillis = System.currentTimeMillis();
        book.workerConnected();
      }
      if (d != null) {
        w.observe(d, now);
        if (!d.draining()) {
          active++;
        }
      } else {
        ClusterStatus.Departure departure = departures.get(w.id);
        w.gone(now, departure != null && departure.clean());
        ended.add(w);
        if (w.launch != null && departure != null && !departure.clean()) {
          stops.add(stop(w));
        }
      }
    }
    ended.forEach(this::retire);
    for (ClusterStatus.Daemon d : connected.values()) {
      Worker w = new Worker(d.id(), null, 0, 0);
      w.connectedAt = now;
      w.connectedAtMillis = System.currentTimeMillis();
      w.note = "not launched by this controller";
      w.observe(d, now);
      workers.put(w.id, w);
      if (!d.draining()) {
        active++;
      }
    }
    return new Observed(new ScalingDecision.Supply(active, launching), stops);
  }

  /** Launching workers whose connect window ran out: failed; returns how to stop them. */
  synchronized List<Runnable> timedOut(List<String> ids, String window, long now) {
    List<Runnable> stops = new ArrayList<>();
    for (String id : ids) {
      Worker w = workers.get(id);
      if (w == null) {
        continue;
      }
      failed(w, "it did not connect within " + window + ", so it was stopped", now);
      retire(w);
      stops.add(stop(w));
    }
    return stops;
  }

  synchronized void launched(List<String> ids, Launch launch, long now) {
    for (String id : ids) {
      workers.put(id, new Worker(id, launch, now, System.currentTimeMillis()));
    }
  }

  /** A pushed task's outcome said this worker died under it. */
  synchronized void crashReported(String id) {
    Worker w = workers.get(id);
    if (w != null) {
      w.crashesReported++;
    }
  }

  /** Live workers, then the most recent ended ones. */
  List<WorkerSummary> summaries() {
    List<Worker> copy;
    synchronized (this) {
      copy = new ArrayList<>(workers.values());
    }
    // Lost workers learn how they ended from their launch, outside the lock (squeue, ps).
    for (Worker w : copy) {
      if (w.state == WorkerSummary.State.LOST && w.launch != null && w.exitNote == null) {
        w.exitNote = w.launch.ended(w.id).orElse(null);
      }
    }
    synchronized (this) {
      return copy.stream()
          .sorted(Comparator.comparing((Worker w) -> !w.state.live()))
          .map(Worker::summary)
          .toList();
    }
  }

  /** The launches of workers that may still run: live ones, and lost ones that may only be cut off. */
  synchronized Set<Launch> launchesToStop() {
    Set<Launch> launches = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Worker w : workers.values()) {
      if (w.launch != null && (w.state.live() || w.state == WorkerSummary.State.LOST)) {
        launches.add(w.launch);
      }
    }
    return launches;
  }

  private void failed(Worker w, String why, long now) {
    w.state = WorkerSummary.State.FAILED;
    w.note = why;
    w.endedAt = now;
    w.endedAtMillis = System.currentTimeMillis();
    book.workerFailed(w.id, why, now);
    log.warn("controller {}: worker {} failed: {}", controller, w.id, why);
  }

  private static Runnable stop(Worker w) {
    Launch launch = w.launch;
    String id = w.id;
    return () -> launch.terminate(id);
  }

  /** Keeps the most recent ended workers for summaries. */
  private void retire(Worker w) {
    endedOrder.addLast(w.id);
    while (endedOrder.size() > ENDED_WORKERS_KEPT) {
      workers.remove(endedOrder.pollFirst());
    }
  }
}
