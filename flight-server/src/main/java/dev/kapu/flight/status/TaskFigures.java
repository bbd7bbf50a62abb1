package dev.kapu.flight.status;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dispatcher's rolling and cumulative task figures: outcomes by kind, round trips (submission
 * to outcome) in a {@link LatencyHistogram} since start (for metrics) and over the last five minutes
 * (the status's percentiles), and the last minutes second by second in a {@link RateHistory}. Thread-safe (its own lock, held for a few counter updates).
 */
public final class TaskFigures {
  /** Seconds of history kept: five minutes. */
  public static final int HISTORY_SECONDS = 300;
  /** The span {@code perSecond} averages over. */
  private static final int RATE_SECONDS = 5;

  /** The outcome kinds, in the names metrics and the status use. */
  public enum Outcome {
    ok, error, cancelled, timeout, lost, unroutable
  }

  private final long[] byOutcome = new long[Outcome.values().length];
  private final LatencyHistogram latency = new LatencyHistogram();
  private final RecentLatency recentLatency = new RecentLatency(HISTORY_SECONDS / 60);
  private final RateHistory history = new RateHistory(HISTORY_SECONDS);

  /** A task ended with {@code outcome} after {@code roundTripNanos} since its submission. */
  public synchronized void ended(Outcome outcome, long roundTripNanos, long nowMillis) {
    byOutcome[outcome.ordinal()]++;
    latency.observe(roundTripNanos);
    recentLatency.observe(roundTripNanos, nowMillis);
    history.completed(nowMillis, 1);
  }

  /** The queue's depth now (sampled by the dispatcher's sweep). */
  public synchronized void queueDepth(long queued, long nowMillis) {
    history.queueDepth(nowMillis, queued);
  }

  /** The queue section of the status, with {@code queued} and {@code running} as the dispatcher counts them now. */
  public synchronized StatusReport.Tasks tasks(long queued, long running, long nowMillis) {
    Map<String, Long> errors = new LinkedHashMap<>();
    for (Outcome o : Outcome.values()) {
      if (o != Outcome.ok && byOutcome[o.ordinal()] > 0) {
        errors.put(o.name(), byOutcome[o.ordinal()]);
      }
    }
    return new StatusReport.Tasks(queued, running, history.perSecond(nowMillis, RATE_SECONDS),
        recentLatency.quantileMicros(0.5, nowMillis), recentLatency.quantileMicros(0.99, nowMillis), errors, history.samples(nowMillis));
  }

  /** Outcomes since start, every kind named (zeros included), for metrics. */
  public synchronized Map<String, Long> byOutcome() {
    Map<String, Long> all = new LinkedHashMap<>();
    for (Outcome o : Outcome.values()) {
      all.put(o.name(), byOutcome[o.ordinal()]);
    }
    return all;
  }

  public synchronized StatusReport.Histogram latency() {
    return latency.cumulative();
  }
}
