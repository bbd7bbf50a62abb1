package dev.kapu.flight;

import dev.kapu.flight.internal.wire.ToWorker;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The everywhere() setups: each goes to every daemon connected when it is submitted, and to each
 * newcomer before its first task (a daemon running a setup takes no task: {@link Worker#free}).
 * Its listener hears from every daemon it went to, the last time when none is awaited any more.
 * Not thread-safe: the dispatcher calls it under its lock.
 */
final class EverywhereSetups {
  // The dispatcher's logger, so that these lines keep the name operators know them by.
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** The setups newcomers get, oldest first. */
  private final List<Job> setups = new ArrayList<>();

  /** Sends a new setup to every daemon that is not leaving; false if there is none. */
  boolean start(Job setup, WorkerPool pool) {
    setup.state = Job.State.RUNNING;
    setups.add(setup);
    for (Worker w : pool) {
      if (!w.draining) {
        setup.awaitedWorkers.add(w);
        send(setup, w);
      }
    }
    return !setup.awaitedWorkers.isEmpty();
  }

  /** A daemon that just joined gets every setup so far. */
  void replayTo(Worker w) {
    for (Job setup : setups) {
      send(setup, w);
    }
  }

  private static void send(Job setup, Worker w) {
    w.setupsRunning.put(setup.id, setup);
    w.send(ToWorker.newBuilder().setAssign(setup.assignment(true)).build());
  }

  /** The daemon reported the outcome of task {@code taskId}; false if that is none of its setups. */
  boolean done(Worker w, long taskId, TaskOutcome outcome, List<Runnable> after) {
    if (w.setupsRunning.isEmpty()) { // nearly always: skips boxing the id of every plain task
      return false;
    }
    Job setup = w.setupsRunning.remove(taskId);
    if (setup == null) {
      return false;
    }
    if (outcome.kind() != TaskOutcome.Kind.SUCCEEDED) {
      w.failedHere++;
      log.warn("everywhere() setup {} ended {} on {}", setup.id, outcome.kind(), w.describe());
    }
    reported(setup, w, outcome, after);
    return true;
  }

  /** The daemon left: each setup it was running hears it was lost there. */
  void lost(Worker w, String message, List<Runnable> after) {
    for (Job setup : w.setupsRunning.values()) {
      reported(setup, w, TaskOutcome.of(TaskOutcome.Kind.DAEMON_LOST, message, w.hello.getDaemonId()), after);
    }
    w.setupsRunning.clear();
  }

  private static void reported(Job setup, Worker w, TaskOutcome outcome, List<Runnable> after) {
    if (setup.awaitedWorkers.remove(w) && setup.state != Job.State.DONE) {
      boolean last = setup.awaitedWorkers.isEmpty();
      if (last) {
        setup.state = Job.State.DONE;
      }
      tell(setup, outcome, last, after);
    }
  }

  /**
   * Queues {@code outcome} for the setup's listener, under the dispatcher's lock, and has the first
   * thread to queue one deliver what is queued, one at a time and in order, once it has let go of
   * the lock ({@code after}). Daemons' outcomes come on many network threads: delivered as each
   * came, the last could reach the listener while an earlier one was still on its way, and the
   * caller, which counts the answers it has when it hears the last, missed that daemon's answer.
   */
  private static void tell(Job setup, TaskOutcome outcome, boolean last, List<Runnable> after) {
    if (setup.setupOutcomes.add(() -> setup.listener.onOutcome(outcome, last))) {
      after.add(() -> deliverInOrder(setup.setupOutcomes));
    }
  }

  private static void deliverInOrder(Coalescer<Runnable> outcomes) {
    do {
      Dispatcher.deliver(outcomes.takeAll());
    } while (outcomes.release());
  }

  /**
   * A cancelled setup goes to no newcomer, and the daemons still running it are told to stop it;
   * unless it has ended, its listener hears {@code cancelled} last, after the daemons' outcomes
   * already taken.
   */
  void cancel(Job setup, TaskOutcome cancelled, List<Runnable> after) {
    setups.remove(setup);
    for (Worker w : setup.awaitedWorkers) {
      w.cancel(setup.id);
    }
    if (setup.state != Job.State.DONE) {
      setup.state = Job.State.DONE;
      tell(setup, cancelled, true, after);
    }
  }

  /** Every setup newcomers would get, added to {@code jobs}. */
  void addAllTo(List<Job> jobs) {
    jobs.addAll(setups);
  }
}
