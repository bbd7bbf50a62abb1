package dev.kapu.it;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Watches a daemon process's CPU time, to tell whether its database works: a query producing
 * keeps at least part of a core busy, an idle JVM uses almost none. The limits are hang guards,
 * not measurements.
 */
final class DaemonLoad {
  /**
   * In a window this long, a working daemon uses more CPU than {@link #BUSY} and an idle one less
   * than {@link #IDLE}, even on a machine loaded many times over (where the database still gets
   * its fair share of the cores, a tenth of one or more).
   */
  private static final Duration WINDOW = Duration.ofMillis(1000);
  private static final Duration BUSY = Duration.ofMillis(100);
  private static final Duration IDLE = Duration.ofMillis(30);
  /** Samples this often while waiting for idleness; more CPU than {@link #WORKING_STEP} in one is work. */
  private static final Duration STEP = Duration.ofMillis(100);
  private static final Duration WORKING_STEP = Duration.ofMillis(20);

  private DaemonLoad() {}

  private static Duration cpu(ProcessHandle daemon) {
    return daemon.info().totalCpuDuration().orElseThrow();
  }

  /** Waits until the daemon works (its query has started). */
  static void awaitBusy(ProcessHandle daemon) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      Duration before = cpu(daemon);
      Thread.sleep(WINDOW.toMillis());
      if (cpu(daemon).minus(before).compareTo(BUSY) >= 0) {
        return;
      }
    }
    throw new AssertionError("the daemon did not start working within 120 s");
  }

  /**
   * Waits until the daemon is idle (a second with almost no CPU) and returns how long after
   * {@code since} (System.nanoTime) it last worked, to a tenth of a second: when its work stopped.
   */
  static Duration awaitIdle(ProcessHandle daemon, long since) throws InterruptedException {
    long deadline = since + TimeUnit.SECONDS.toNanos(120);
    long lastWorked = since;
    Duration atLastWork = cpu(daemon);
    Duration previous = atLastWork;
    while (System.nanoTime() < deadline) {
      Thread.sleep(STEP.toMillis());
      Duration now = cpu(daemon);
      long t = System.nanoTime();
      if (now.minus(previous).compareTo(WORKING_STEP) >= 0) {
        lastWorked = t;
        atLastWork = now;
      }
      previous = now;
      if (t - lastWorked >= WINDOW.toNanos() && now.minus(atLastWork).compareTo(IDLE) < 0) {
        return Duration.ofNanos(lastWorked - since);
      }
    }
    throw new AssertionError("the daemon still works 120 s after its query was cancelled");
  }
}
