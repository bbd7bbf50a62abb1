package dev.kapu.flight;

import dev.kapu.flight.internal.wire.Heartbeat;
import dev.kapu.flight.internal.wire.Leave;
import dev.kapu.flight.internal.wire.ToWorker;
import dev.kapu.flight.internal.wire.Welcome;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liveness is observed, not assumed: the sweep sends heartbeats to daemons when one is due,
 * declares lost the daemons it has not heard a heartbeat from for the {@link Liveness} bound, and
 * completes timed tasks past their deadline. It runs every few tens of milliseconds (on a timer of
 * {@code KapuServer}'s), so no task pays for a timer of its own. Not thread-safe: the dispatcher
 * runs it under its lock, and has the loss listeners told after releasing it.
 */
final class LivenessSweep {
  // The dispatcher's logger, so that these lines keep the name operators know them by.
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final ToWorker HEARTBEAT = ToWorker.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build();

  /** Takes a daemon out of the pool: its tasks are retried or fail as lost (the dispatcher's rule). */
  interface Removal {
    void remove(Worker w, String cause, List<Runnable> after);
  }

  private final Liveness liveness;
  private final Removal removal;
  private final List<DaemonLossListener> lossListeners = new CopyOnWriteArrayList<>();
  private long lastHeartbeat;

  /**
   * @param liveness how long a daemon may stay silent
   * @param now clock nanoseconds: the first heartbeat is due one interval later
   * @param removal what becomes of a daemon declared lost, once it is told to leave
   */
  LivenessSweep(Liveness liveness, long now, Removal removal) {
    this.liveness = liveness;
    this.lastHeartbeat = now;
    this.removal = removal;
  }

  /** {@code listener} hears of every daemon declared lost from now on. */
  void onDeclaredLost(DaemonLossListener listener) {
    lossListeners.add(listener);
  }

  /** Tells a daemon that joined how often to expect heartbeats and how long a silence may last. */
  ToWorker welcome() {
    return ToWorker.newBuilder().setWelcome(Welcome.newBuilder()
        .setHeartbeatMillis(liveness.heartbeat().toMillis())
        .setLivenessMillis(liveness.bound().toMillis())).build();
  }

  /**
   * One sweep at {@code now} (clock nanoseconds) over the pool's daemons.
   *
   * @return the daemons declared lost, by id, with why, to {@link #tell} once the lock is released
   */
  Map<String, String> sweep(WorkerPool pool, long now, List<Runnable> after) {
    Map<String, String> lost = new LinkedHashMap<>();
    boolean beat = now - lastHeartbeat >= liveness.heartbeat().toNanos();
    if (beat) {
      lastHeartbeat = now;
    }
    for (Worker w : pool.snapshot()) {
      if (liveness.silent(w.lastHeard, now)) {
        String reason = "no heartbeat from it for " + (now - w.lastHeard) / 1_000_000 + " ms (the liveness bound is "
            + liveness.bound().toMillis() + " ms): it is frozen, cut off or gone";
        declareLost(w, reason, after);
        lost.put(w.hello.getDaemonId(), reason);
      } else {
        if (beat) {
          w.send(HEARTBEAT);
        }
        expireOverdue(w, now, after);
      }
    }
    return lost;
  }

  /** Tells the loss listeners of the daemons a sweep declared lost; outside the lock. */
  void tell(Map<String, String> lost) {
    lost.forEach((id, reason) -> lossListeners.forEach(l -> {
      try {
        l.declaredLost(id, reason);
      } catch (RuntimeException e) {
        log.error("a daemon-loss listener threw", e);
      }
    }));
  }

  /** Tells the daemon to leave, ends its stream, and takes it out of the pool with its tasks. */
  private void declareLost(Worker w, String reason, List<Runnable> after) {
    log.warn("{} declared lost: {}", w.describe(), reason);
    w.send(ToWorker.newBuilder().setLeave(Leave.newBuilder().setReason(reason)).build());
    w.endStream();
    removal.remove(w, "it was declared lost: " + reason, after);
  }

  /**
   * Timed tasks on {@code w} past their deadline complete TIMED_OUT and the daemon is told to stop
   * them; each keeps its slot until the daemon confirms or is declared lost, as a cancelled one does.
   */
  private static void expireOverdue(Worker w, long now, List<Runnable> after) {
    for (Job job : w.running.values()) {
      if (job.timed && job.state == Job.State.RUNNING && Deadlines.passed(job.deadline, now)) {
        job.state = Job.State.DONE;
        w.cancel(job.id);
        TaskOutcome outcome = TaskOutcome.of(TaskOutcome.Kind.TIMED_OUT, Deadlines.message(job.request),
            w.hello.getDaemonId());
        after.add(() -> job.listener.onOutcome(outcome, true));
      }
    }
  }
}
