package dev.kapu.client;

import dev.kapu.api.KapuException;
import dev.kapu.api.QueueFullException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the bytes of the tasks a session has submitted and not yet heard finish: queued at the
 * dispatcher, on their way, or running (the dispatcher keeps a running task's payload, to send it
 * again if its daemon is lost). A task takes its encoded size plus {@value #PER_TASK_BYTES} bytes
 * for its bookkeeping, and gives them back when its outcome arrives. Past the budget a caller
 * waits (or is refused at once); a task larger than the whole budget goes when it is alone.
 *
 * <p>The fast path is one compare-and-set each way; only a full budget takes a lock.
 */
final class QueueBudget {
  /** What a task holds besides its payload: its future, its place in the queue, its listeners. */
  static final long PER_TASK_BYTES = 1024;

  private final long limit;
  private final Kapu.QueueFull whenFull;
  private final AtomicLong used = new AtomicLong();
  private final AtomicInteger waiting = new AtomicInteger();
  private final Object room = new Object();
  private volatile boolean closed;

  QueueBudget(long limit, Kapu.QueueFull whenFull) {
    if (limit <= 0) {
      throw new IllegalArgumentException("the queue budget must be positive: " + limit);
    }
    this.limit = limit;
    this.whenFull = whenFull;
  }

  /** An eighth of the heap this JVM may grow to. */
  static long defaultLimit() {
    return Runtime.getRuntime().maxMemory() / 8;
  }

  long limit() {
    return limit;
  }

  /** Bytes held by tasks that have not finished. */
  long used() {
    return used.get();
  }

  /**
   * Takes room for a task of {@code bytes}; returns what it took, to {@link #giveBack} when the
   * task ends. Waits while the budget is spent, unless {@code mayWait} is false (a thread that
   * delivers outcomes, which would then wait for itself): such a task is let in over the budget.
   *
   * @throws QueueFullException if the budget is spent and the session refuses rather than waits
   */
  long take(long bytes, boolean mayWait) {
    long want = Math.min(limit, bytes + PER_TASK_BYTES);
    if (waiting.get() == 0 && tryTake(want)) {
      return want;
    }
    if (whenFull == Kapu.QueueFull.FAIL) {
      throw new QueueFullException("task not queued: the session's tasks already hold "
          + size(used.get()) + " of its queue budget of " + size(limit) + " (this one needs "
          + size(want) + "); wait for some to finish, or raise Kapu.builder().queueBudget(...)");
    }
    if (!mayWait) {
      used.addAndGet(want);
      return want;
    }
    waiting.incrementAndGet();
    try {
      synchronized (room) {
        while (!tryTake(want)) {
          if (closed) {
            throw new IllegalStateException("this Kapu session is closed");
          }
          room.wait();
        }
        return want;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KapuException("interrupted while waiting for room in the queue budget of " + size(limit));
    } finally {
      waiting.decrementAndGet();
    }
  }

  private boolean tryTake(long want) {
    for (long u = used.get(); u + want <= limit; u = used.get()) {
      if (used.compareAndSet(u, u + want)) {
        return true;
      }
    }
    return false;
  }

  /** Returns what {@link #take} took, and wakes a caller waiting for room. */
  void giveBack(long taken) {
    used.addAndGet(-taken);
    if (waiting.get() > 0) {
      synchronized (room) {
        room.notifyAll();
      }
    }
  }

  /** Wakes every waiting caller to be told the session closed. */
  void close() {
    closed = true;
    synchronized (room) {
      room.notifyAll();
    }
  }

  static String size(long bytes) {
    if (bytes < 1 << 20) {
      return (bytes + 1023) / 1024 + " KiB";
    }
    return bytes < 1L << 30 ? String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0)
        : String.format(Locale.ROOT, "%.1f GiB", bytes / 1073741824.0);
  }
}
