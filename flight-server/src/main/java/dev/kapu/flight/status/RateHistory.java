package dev.kapu.flight.status;

import java.util.ArrayList;
import java.util.List;

/**
 * The task queue's last minutes, one sample a second in a fixed ring: tasks completed in that
 * second and the queue's depth at its end. Bounded: the oldest second is overwritten. Not
 * thread-safe: its owner guards it.
 */
public final class RateHistory {
  private final long[] completed;
  private final long[] depth;
  private final long[] atMillis;
  /** The second (epoch millis / 1000) the newest slot counts, or -1 before the first. */
  private long currentSecond = -1;
  private int newest;
  private int filled;

  /** @param seconds how many seconds it keeps */
  public RateHistory(int seconds) {
    completed = new long[seconds];
    depth = new long[seconds];
    atMillis = new long[seconds];
  }

  /** {@code n} tasks completed at {@code nowMillis}. */
  public void completed(long nowMillis, int n) {
    advance(nowMillis);
    completed[newest] += n;
  }

  /** The queue held {@code queued} tasks at {@code nowMillis}; the latest figure of a second stays. */
  public void queueDepth(long nowMillis, long queued) {
    advance(nowMillis);
    depth[newest] = queued;
  }

  /** Moves to the second of {@code nowMillis}, with empty seconds for those nothing happened in. */
  private void advance(long nowMillis) {
    long second = Math.floorDiv(nowMillis, 1000);
    if (currentSecond < 0) {
      start(second);
      return;
    }
    long gap = Math.min(second - currentSecond, completed.length);
    long carriedDepth = depth[newest];
    for (long i = 1; i <= gap; i++) {
      newest = (newest + 1) % completed.length;
      completed[newest] = 0;
      depth[newest] = carriedDepth;
      atMillis[newest] = (second - gap + i) * 1000;
      filled = Math.min(filled + 1, completed.length);
    }
    if (second > currentSecond) {
      currentSecond = second;
    }
  }

  private void start(long second) {
    currentSecond = second;
    newest = 0;
    filled = 1;
    atMillis[0] = second * 1000;
  }

  /** The seconds kept up to {@code nowMillis}, oldest first (empty seconds filled in up to now). */
  public List<StatusReport.Sample> samples(long nowMillis) {
    if (currentSecond < 0) {
      return List.of();
    }
    advance(nowMillis);
    List<StatusReport.Sample> out = new ArrayList<>(filled);
    for (int i = filled - 1; i >= 0; i--) {
      int slot = Math.floorMod(newest - i, completed.length);
      out.add(new StatusReport.Sample(atMillis[slot], completed[slot], depth[slot]));
    }
    return out;
  }

  /**
   * Tasks completed per second over the last {@code seconds} whole seconds before {@code
   * nowMillis} (the one under way is left out: it is not over).
   */
  public double perSecond(long nowMillis, int seconds) {
    if (currentSecond < 0) {
      return 0;
    }
    advance(nowMillis);
    int n = Math.min(seconds, filled - 1);
    if (n <= 0) {
      return 0;
    }
    long sum = 0;
    for (int i = 1; i <= n; i++) {
      sum += completed[Math.floorMod(newest - i, completed.length)];
    }
    return (double) sum / n;
  }
}
