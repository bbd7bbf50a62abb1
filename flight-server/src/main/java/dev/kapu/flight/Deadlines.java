package dev.kapu.flight;

import java.util.concurrent.TimeUnit;

/**
 * When the dispatcher stops waiting for a task it sent to a daemon: its timeout for each of its
 * calls, plus slack for the wire. The daemon stops the task at its own timeout and reports first
 * when it can; this deadline holds when it cannot (frozen, cut off, or too slow to say so).
 */
final class Deadlines {
  /**
   * Past the timeout, what a healthy daemon needs to report one: its grace for a task to honour
   * its interrupt (1 s by default) is not waited for; the wire and a busy machine are.
   */
  static final long SLACK_MILLIS = 1_000;

  /** Far enough to mean "never", near enough that {@code now + span} compares correctly. */
  private static final long NEVER_NANOS = Long.MAX_VALUE / 2;

  private Deadlines() {}

  /** Whether the dispatcher keeps a deadline for this task: only if it has a timeout. */
  static boolean timed(TaskRequest request) {
    return request.timeoutMillis() > 0;
  }

  /** Nanoseconds from sending the task to its deadline (for a timed task). */
  static long spanNanos(TaskRequest request) {
    long timeouts = request.timeoutMillis() > Long.MAX_VALUE / request.calls()
        ? Long.MAX_VALUE
        : request.timeoutMillis() * request.calls();
    long millis = timeouts > Long.MAX_VALUE - SLACK_MILLIS ? Long.MAX_VALUE : timeouts + SLACK_MILLIS;
    return millis >= TimeUnit.NANOSECONDS.toMillis(NEVER_NANOS) ? NEVER_NANOS : TimeUnit.MILLISECONDS.toNanos(millis);
  }

  /** Whether a deadline at {@code deadlineNanos} has passed at {@code nowNanos}. */
  static boolean passed(long deadlineNanos, long nowNanos) {
    return nowNanos - deadlineNanos >= 0;
  }

  /** What the caller is told when the deadline passes. */
  static String message(TaskRequest request) {
    String limit = request.calls() == 1
        ? "its timeout of " + request.timeoutMillis() + " ms"
        : "the timeouts of its " + request.calls() + " items (" + request.calls() + " x "
            + request.timeoutMillis() + " ms)";
    return "no outcome within " + limit + " and " + SLACK_MILLIS + " ms for the wire, so the dispatcher"
        + " stopped waiting and told the daemon to stop it";
  }
}
