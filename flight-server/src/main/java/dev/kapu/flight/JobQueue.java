package dev.kapu.flight;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The tasks waiting for a daemon, and what becomes of those no connected daemon can run. Not
 * thread-safe: the dispatcher calls it under its lock.
 *
 * <p>A task cancelled while queued keeps its place until {@link #takeFor} reaches it, so
 * cancelling costs no search; {@link #withdrawn} keeps the count right meanwhile.
 */
final class JobQueue {
  /** One FIFO per set of required names; across them, the oldest runnable task goes first. */
  private final Map<List<String>, ArrayDeque<Job>> queues = new LinkedHashMap<>();
  private final SupervisedResources supervised = new SupervisedResources();
  private final LongSupplier clock;
  private long queued;

  /** @param clock nanoseconds, as {@link System#nanoTime()} counts them */
  JobQueue(LongSupplier clock) {
    this.clock = clock;
  }

  /** Queues a new task behind those that need the same resources. */
  void add(Job job) {
    enqueue(job, false);
  }

  /** Puts a task that was taken back at the head of its queue: it goes before newer ones. */
  void putBack(Job job) {
    enqueue(job, true);
  }

  private void enqueue(Job job, boolean first) {
    ArrayDeque<Job> queue = queues.computeIfAbsent(job.needs, k -> new ArrayDeque<>());
    if (first) {
      queue.addFirst(job);
    } else {
      queue.addLast(job);
    }
    job.queuedAt = clock.getAsLong();
    queued++;
  }

  /** A queued task was cancelled; it leaves its queue when {@link #takeFor} reaches it. */
  void withdrawn() {
    queued--;
  }

  boolean isEmpty() {
    return queued == 0;
  }

  /** How many tasks wait. */
  long size() {
    return queued;
  }

  /**
   * The oldest queued task a daemon hosting what {@code hosts} accepts can run, taken off its
   * queue; null if none.
   *
   * <p>A queue found empty is dropped here: every table or resource a task names makes a set of
   * needs of its own ({@code kapu serve} reads each table with a task on it), and a long-lived
   * dispatcher would otherwise keep, and walk for every task, a queue for every set ever named. One
   * that this call empties stays until the next, since its set is likely named again at once.
   */
  Job takeFor(Predicate<List<String>> hosts) {
    ArrayDeque<Job> best = null;
    for (Iterator<Map.Entry<List<String>, ArrayDeque<Job>>> it = queues.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<List<String>, ArrayDeque<Job>> entry = it.next();
      ArrayDeque<Job> queue = entry.getValue();
      while (!queue.isEmpty() && queue.peekFirst().state != Job.State.QUEUED) {
        queue.pollFirst(); // cancelled while queued
      }
      if (queue.isEmpty()) {
        it.remove();
        supervised.forget(entry.getKey());
      } else if (hosts.test(entry.getKey()) && (best == null || queue.peekFirst().id < best.peekFirst().id)) {
        best = queue;
      }
    }
    if (best == null) {
      return null;
    }
    queued--;
    return best.pollFirst();
  }

  /** The queued task {@code id}, or null (a walk of the queue: for an operator's cancel, not for every task). */
  Job find(long id) {
    for (ArrayDeque<Job> queue : queues.values()) {
      for (Job job : queue) {
        if (job.id == id && job.state == Job.State.QUEUED) {
          return job;
        }
      }
    }
    return null;
  }

  /** Every task in the queues, cancelled ones included, added to {@code jobs}. */
  void addAllTo(List<Job> jobs) {
    queues.values().forEach(jobs::addAll);
  }

  /** How many sets of needs have a queue now. */
  int queueCount() {
    return queues.size();
  }

  /**
   * Work naming only these resources (or none) waits up to {@code patience} for a daemon that
   * hosts them, instead of failing, while none does.
   */
  void supervise(Collection<String> resources, Duration patience) {
    supervised.add(resources, patience);
  }

  /** Whether work needing {@code needs} waits while no connected daemon hosts them. */
  boolean awaitsHost(List<String> needs) {
    return supervised.awaits(needs);
  }

  /** Whether tasks wait for a supervised resource's host, so that the sweep must look again. */
  boolean waitingForHost() {
    return supervised.waiting();
  }

  /**
   * Queued tasks that no connected daemon can run: those that {@link #supervise supervised}
   * resources cover wait until their patience runs out (the sweep looks again), the others fail
   * now, unless no daemon is connected at all (a controller may be starting daemons; an empty pool
   * is not a verdict).
   */
  void settleUnhosted(WorkerPool pool, List<Runnable> after) {
    long now = clock.getAsLong();
    boolean waiting = false;
    for (var entry : queues.entrySet()) {
      List<String> needs = entry.getKey();
      boolean hosted = pool.hosts(needs);
      supervised.observe(needs, hosted, now);
      boolean waits = supervised.awaits(needs);
      if (hosted || (!waits && pool.isEmpty())) {
        continue;
      }
      for (Job job : entry.getValue()) {
        if (job.state != Job.State.QUEUED) {
          continue;
        }
        if (waits && supervised.deadline(needs, job.queuedAt) - now > 0) {
          waiting = true;
          continue;
        }
        job.state = Job.State.DONE;
        queued--;
        TaskOutcome outcome = waits
            ? TaskOutcome.of(TaskOutcome.Kind.UNROUTABLE, supervised.waitedTooLong(needs), "")
            : pool.unroutable(job.needs);
        after.add(() -> job.listener.onOutcome(outcome, true));
      }
      if (!waits) {
        entry.getValue().clear();
      }
    }
    supervised.waiting(waiting);
  }

  /** Supervised resources that have a host again start a fresh patience when they lose it. */
  void observeHosting(WorkerPool pool) {
    if (!supervised.active()) {
      return;
    }
    long now = clock.getAsLong();
    for (List<String> needs : queues.keySet()) {
      supervised.observe(needs, pool.hosts(needs), now);
    }
  }
}
