package dev.kapu.daemon;

import dev.kapu.daemon.internal.DatabaseThreads;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * The threads a daemon's tasks run on: one per slot, taking assignments from a queue, plus one
 * for each runaway (a stopped task's thread that ignores its interrupt keeps its thread, while
 * the dispatcher already counts its slot as free and sends the next task).
 *
 * <p>A queue, not a handoff: with a thread started per handoff ({@code newCachedThreadPool}'s
 * {@code SynchronousQueue}) the network thread woke a task thread for every task, and that
 * park/unpark was 41% of a daemon's CPU for trivial tasks (async-profiler, {@code bench tasks}).
 * Here a thread that finishes a task takes the next queued one without sleeping, and the network
 * thread wakes one only when no thread is awake to take the task ({@link TaskQueue}).
 */
final class TaskRunners {
  private static final long IDLE_SECONDS = 60;

  private final int slots;
  private final ThreadPoolExecutor pool;

  /** @param timer wakes a thread for a task that waited too long behind one that blocked */
  TaskRunners(int slots, ScheduledExecutorService timer) {
    this.slots = slots;
    TaskQueue queue = new TaskQueue(timer);
    this.pool = new ThreadPoolExecutor(slots, Integer.MAX_VALUE, IDLE_SECONDS, TimeUnit.SECONDS,
        queue, new DatabaseThreads("kapu-task")) {
      @Override
      protected void beforeExecute(Thread thread, Runnable task) {
        queue.started();
      }

      @Override
      protected void afterExecute(Runnable task, Throwable failure) {
        queue.finished();
      }
    };
    pool.allowCoreThreadTimeOut(true); // an idle daemon keeps no threads, as before
  }

  void execute(Runnable run) {
    pool.execute(run);
  }

  /**
   * The runaway threads, as many as {@code threads} says now, hold a thread each: the slots get as
   * many more. Read under this lock, so that two changes told at once cannot leave the older
   * count in place.
   */
  synchronized void runaways(IntSupplier threads) {
    pool.setCorePoolSize(slots + Math.max(0, threads.getAsInt()));
  }

  /** Runs what is queued and takes nothing more. */
  void shutdown() {
    pool.shutdown();
  }

  /** Interrupts what runs; what is queued never runs. */
  void shutdownNow() {
    pool.shutdownNow();
  }
}
