package dev.kapu.flight;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The connected daemons, in the order they joined, and the last ones that left (for the status).
 * Not thread-safe: the dispatcher calls it under its lock.
 */
final class WorkerPool implements Iterable<Worker> {
  private static final int DEPARTURES_KEPT = 256;

  private final List<Worker> workers = new ArrayList<>();
  private final ArrayDeque<ClusterStatus.Departure> departed = new ArrayDeque<>();

  void add(Worker w) {
    workers.add(w);
  }

  /** Takes {@code w} out and records its departure: clean if it drained and held nothing. */
  void remove(Worker w, String cause) {
    workers.remove(w);
    if (departed.size() == DEPARTURES_KEPT) {
      departed.removeFirst();
    }
    // Clean: it drained and held nothing when its stream ended.
    boolean clean = w.draining && w.running.isEmpty() && w.setupsRunning.isEmpty();
    String reason = w.drainReason == null ? cause
        : clean ? w.drainReason
        : cause + " while it was leaving (" + w.drainReason + ")";
    departed.addLast(new ClusterStatus.Departure(w.hello.getDaemonId(), clean, reason,
        System.currentTimeMillis()));
  }

  boolean isEmpty() {
    return workers.isEmpty();
  }

  int size() {
    return workers.size();
  }

  Worker get(int index) {
    return workers.get(index);
  }

  @Override
  public Iterator<Worker> iterator() {
    return workers.iterator();
  }

  /** The daemons now, to walk while some of them are taken out. */
  List<Worker> snapshot() {
    return List.copyOf(workers);
  }

  /** The connected daemon {@code daemonId}; null if there is none. */
  Worker find(String daemonId) {
    return workers.stream().filter(w -> w.hello.getDaemonId().equals(daemonId)).findFirst().orElse(null);
  }

  /** Whether some connected daemon hosts all of {@code needs}. */
  boolean hosts(List<String> needs) {
    for (Worker w : workers) { // once per submit: no stream set up for it
      if (w.hosts(needs)) {
        return true;
      }
    }
    return false;
  }

  /** Why work that needs {@code needs} cannot run on the connected daemons. */
  TaskOutcome unroutable(List<String> needs) {
    Set<String> hosted = new TreeSet<>();
    workers.forEach(w -> hosted.addAll(w.hosting));
    return TaskOutcome.of(TaskOutcome.Kind.UNROUTABLE, "no connected daemon hosts " + needs
        + " (the daemons host " + hosted + ")", "");
  }

  List<ClusterStatus.Departure> departures() {
    return List.copyOf(departed);
  }

  /** The connected daemons' slots in all. */
  int slots() {
    int slots = 0;
    for (Worker w : workers) {
      slots += w.hello.getSlots();
    }
    return slots;
  }

  /** The cluster's status: every daemon, {@code awaiting} tasks queued, {@code completed} so far. */
  ClusterStatus status(long awaiting, long completed) {
    List<ClusterStatus.Daemon> daemons = new ArrayList<>();
    long executing = 0;
    for (Worker w : workers) {
      long here = w.executing();
      executing += here;
      daemons.add(w.status(here));
    }
    return new ClusterStatus(awaiting, executing, completed, List.copyOf(daemons), departures());
  }

  /** Every daemon with the tasks it runs at {@code now} (clock nanoseconds), and {@code awaiting} tasks queued. */
  DispatcherView view(long awaiting, long now) {
    List<DispatcherView.DaemonView> daemons = new ArrayList<>();
    long executing = 0;
    for (Worker w : workers) {
      List<DispatcherView.RunningTask> tasks = new ArrayList<>();
      for (Job job : w.running.values()) {
        if (job.state == Job.State.RUNNING) {
          tasks.add(new DispatcherView.RunningTask(job.id, job.request.submitter(), (now - job.startedAt) / 1_000_000));
        }
      }
      executing += tasks.size();
      daemons.add(new DispatcherView.DaemonView(w.status(tasks.size()), tasks, w.report,
          (now - w.lastHeard) / 1_000_000, w.cpuPercent));
    }
    return new DispatcherView(awaiting, executing, daemons);
  }

  /** The open task {@code id} on a daemon (running, or stopped and not yet confirmed); null if none. */
  Job findRunning(long id) {
    for (Worker w : workers) {
      Job job = w.running.get(id);
      if (job != null && job.state != Job.State.DONE) {
        return job;
      }
    }
    return null;
  }
}
