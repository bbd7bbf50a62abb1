package dev.kapu.daemon;

import java.util.AbstractQueue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The queue a daemon's task threads take their tasks from ({@link TaskRunners}), waking no more of
 * them than keeps every task moving.
 *
 * <p>A {@code LinkedBlockingQueue} wakes a parked thread for nearly every task of a burst: each
 * thread that takes a task wakes another while any remain, and the woken threads then queue on
 * its lock. For tasks of microseconds one awake thread runs the burst sooner than the wake-ups
 * take: with this queue the daemons spent 13–22% less CPU per task on {@code bench tasks}'
 * separate submits (alternating runs against the old queue). Here a task wakes a parked thread
 * at once only when no thread is awake to come back for it (the daemon was idle), or when the
 * tasks run of late took long (they block, and waiting for their threads would hold the next task
 * up). Otherwise it waits for an awake thread, and a check on the daemon's timer wakes a parked
 * one once a task has waited {@link #PATIENCE_NANOS}: the task ahead of it blocked after all.
 */
final class TaskQueue extends AbstractQueue<Runnable> implements BlockingQueue<Runnable> {
  /** How long a queued task waits for an awake thread before a parked one is woken for it. */
  static final long PATIENCE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /**
   * Tasks that ran this long or longer, on average of late, are taken for tasks that block: a task
   * queued behind shorter ones waits less for their thread than a wake-up takes on a busy machine.
   */
  static final long SHORT_RUN_NANOS = TimeUnit.MICROSECONDS.toNanos(250);

  private final ScheduledExecutorService timer;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Queued> items = new ArrayDeque<>();
  /** Threads parked for a task, the latest last: it is woken first, so the others time out. */
  private final ArrayDeque<Waiter> parked = new ArrayDeque<>();
  /** Threads woken for a task that have not come back for it yet. */
  private int coming;
  private boolean checkPending;

  /** Tasks running now on threads that take from this queue; told by the pool, not under the lock. */
  private final AtomicInteger running = new AtomicInteger();
  /** A moving average of how long tasks ran (nanoseconds); updated without a lock, as a hint. */
  private volatile long recentRunNanos;
  private final ThreadLocal<long[]> startedAt = ThreadLocal.withInitial(() -> new long[1]);

  private record Queued(Runnable task, long queuedAt) {}

  private static final class Waiter {
    final Thread thread = Thread.currentThread();
    /** Set under the lock by the thread that woke it. */
    boolean woken;
  }

  /** @param timer runs the checks for tasks that waited too long; once it is shut down, tasks wake threads at once */
  TaskQueue(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /** A thread of the pool starts a task. */
  void started() {
    startedAt.get()[0] = System.nanoTime();
    running.incrementAndGet();
  }

  /** The thread's task has ended, however. */
  void finished() {
    long ran = System.nanoTime() - startedAt.get()[0];
    running.decrementAndGet();
    long recent = recentRunNanos;
    recentRunNanos = recent + (ran - recent) / 8;
  }

  @Override
  public boolean offer(Runnable task) {
    Objects.requireNonNull(task);
    Thread wake = null;
    boolean check = false;
    lock.lock();
    try {
      items.addLast(new Queued(task, System.nanoTime()));
      if (aTaskNeedsAThread()) {
        if (wakesAtOnce(coming, running.get(), recentRunNanos)) {
          wake = wakeOne();
        } else if (!checkPending) {
          checkPending = true;
          check = true;
        }
      }
    } finally {
      lock.unlock();
    }
    LockSupport.unpark(wake);
    if (check) {
      checkAfter(PATIENCE_NANOS);
    }
    return true;
  }

  /**
   * Whether a task that no woken thread will take wakes a parked thread at once: when no thread is
   * awake to come back for it ({@code coming} threads woken for earlier tasks, {@code running}
   * running one), or when tasks of late ran long enough to be blocking ones.
   */
  static boolean wakesAtOnce(int coming, int running, long recentRunNanos) {
    return (coming == 0 && running == 0) || recentRunNanos >= SHORT_RUN_NANOS;
  }

  /** Wakes a parked thread if the oldest task has waited out the patience and nobody is coming for it. */
  private void check() {
    Thread wake = null;
    long again = 0;
    lock.lock();
    try {
      checkPending = false;
      Queued oldest = items.peekFirst();
      if (oldest == null || !aTaskNeedsAThread()) {
        return; // every task is taken or has a thread on its way, or every thread is awake
      }
      long waited = System.nanoTime() - oldest.queuedAt;
      if (waited >= PATIENCE_NANOS) {
        wake = wakeOne();
        again = aTaskNeedsAThread() ? PATIENCE_NANOS : 0;
      } else {
        again = PATIENCE_NANOS - waited;
      }
      checkPending = again > 0;
    } finally {
      lock.unlock();
    }
    LockSupport.unpark(wake);
    if (again > 0) {
      checkAfter(again);
    }
  }

  private void checkAfter(long nanos) {
    try {
      timer.schedule(this::check, nanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      wakeForEveryTask(); // the daemon is leaving: no timer, so no waiting
    }
  }

  private void wakeForEveryTask() {
    List<Thread> wake = new ArrayList<>();
    lock.lock();
    try {
      checkPending = false;
      while (aTaskNeedsAThread()) {
        wake.add(wakeOne());
      }
    } finally {
      lock.unlock();
    }
    wake.forEach(LockSupport::unpark);
  }

  /** Under the lock: some queued task has no woken thread coming for it, and a parked thread could be. */
  private boolean aTaskNeedsAThread() {
    return items.size() > coming && !parked.isEmpty();
  }

  /** Under the lock: the most recently parked thread, counted as coming; unpark it after unlocking. */
  private Thread wakeOne() {
    Waiter waiter = parked.pollLast();
    waiter.woken = true;
    coming++;
    return waiter.thread;
  }

  @Override
  public Runnable poll(long timeout, TimeUnit unit) throws InterruptedException {
    long patience = unit.toNanos(timeout);
    long start = System.nanoTime();
    lock.lockInterruptibly();
    try {
      while (true) {
        Queued next = items.pollFirst();
        if (next != null) {
          return next.task;
        }
        long left = patience - (System.nanoTime() - start);
        if (left <= 0) {
          return null;
        }
        Waiter me = new Waiter();
        parked.addLast(me);
        lock.unlock();
        try {
          LockSupport.parkNanos(this, left);
        } finally {
          lock.lock();
        }
        if (me.woken) {
          coming--;
        } else {
          parked.remove(me);
        }
        if (Thread.interrupted()) {
          if (me.woken && aTaskNeedsAThread()) {
            LockSupport.unpark(wakeOne()); // the task it was woken for must not wait for it
          }
          throw new InterruptedException();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Runnable take() throws InterruptedException {
    return poll(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
  }

  @Override
  public void put(Runnable task) {
    offer(task);
  }

  @Override
  public boolean offer(Runnable task, long timeout, TimeUnit unit) {
    return offer(task);
  }

  @Override
  public Runnable poll() {
    lock.lock();
    try {
      Queued next = items.pollFirst();
      return next == null ? null : next.task;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Runnable peek() {
    lock.lock();
    try {
      Queued next = items.peekFirst();
      return next == null ? null : next.task;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int size() {
    lock.lock();
    try {
      return items.size();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int remainingCapacity() {
    return Integer.MAX_VALUE;
  }

  @Override
  public boolean remove(Object task) {
    lock.lock();
    try {
      return items.removeIf(q -> q.task.equals(task));
    } finally {
      lock.unlock();
    }
  }

  /** A snapshot: removing through it removes the task from the queue. */
  @Override
  public Iterator<Runnable> iterator() {
    List<Runnable> tasks = new ArrayList<>();
    lock.lock();
    try {
      items.forEach(q -> tasks.add(q.task));
    } finally {
      lock.unlock();
    }
    Iterator<Runnable> snapshot = tasks.iterator();
    return new Iterator<>() {
      private Runnable last;

      @Override
      public boolean hasNext() {
        return snapshot.hasNext();
      }

      @Override
      public Runnable next() {
        last = snapshot.next();
        return last;
      }

      @Override
      public void remove() {
        TaskQueue.this.remove(last);
      }
    };
  }

  @Override
  public int drainTo(Collection<? super Runnable> into) {
    return drainTo(into, Integer.MAX_VALUE);
  }

  @Override
  public int drainTo(Collection<? super Runnable> into, int most) {
    lock.lock();
    try {
      int drained = 0;
      while (drained < most && !items.isEmpty()) {
        into.add(items.pollFirst().task);
        drained++;
      }
      return drained;
    } finally {
      lock.unlock();
    }
  }
}
