package dev.kapu.flight.status;

import java.util.Arrays;
import java.util.List;

/**
 * Task round trips (submission to outcome) in fixed buckets: cumulative counts for metrics, and
 * percentiles estimated from the buckets. Not thread-safe: its owner guards it.
 */
public final class LatencyHistogram {
  /** Upper bounds in seconds, 50 µs to 5 min: round trips on one host start near 60 µs. */
  static final double[] BOUNDS = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
      30, 60, 300};

  /** Observations per bucket (not cumulative); the last one is above every bound. */
  private final long[] counts = new long[BOUNDS.length + 1];
  private double sumSeconds;
  private long count;

  public void observe(long nanos) {
    double seconds = nanos / 1e9;
    int i = Arrays.binarySearch(BOUNDS, seconds);
    counts[i >= 0 ? i : -i - 1]++;
    sumSeconds += seconds;
    count++;
  }

  /** The Prometheus view: counts at or below each bound, cumulative. */
  public StatusReport.Histogram cumulative() {
    Long[] cumulative = new Long[BOUNDS.length];
    long running = 0;
    for (int i = 0; i < BOUNDS.length; i++) {
      running += counts[i];
      cumulative[i] = running;
    }
    return new StatusReport.Histogram(Arrays.stream(BOUNDS).boxed().toList(), List.of(cumulative), sumSeconds, count);
  }

  /** Adds what {@code other} observed to this one. */
  void add(LatencyHistogram other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    sumSeconds += other.sumSeconds;
    count += other.count;
  }

  /** Forgets every observation. */
  void clear() {
    Arrays.fill(counts, 0);
    sumSeconds = 0;
    count = 0;
  }

  /**
   * The {@code q} quantile (0..1) in microseconds, 0 with no observation. Within its bucket it is
   * interpolated linearly between the bucket's bounds, as Prometheus's {@code histogram_quantile}
   * does, so that a few round trips do not all read as their bucket's upper bound; past the largest
   * bound it is that bound.
   */
  public long quantileMicros(double q) {
    if (count == 0) {
      return 0;
    }
    double rank = Math.max(1, q * count);
    long seen = 0;
    for (int i = 0; i < BOUNDS.length; i++) {
      if (seen + counts[i] >= rank) {
        double lower = i == 0 ? 0 : BOUNDS[i - 1];
        double within = (rank - seen) / counts[i];
        return Math.round((lower + (BOUNDS[i] - lower) * within) * 1e6);
      }
      seen += counts[i];
    }
    return Math.round(BOUNDS[BOUNDS.length - 1] * 1e6);
  }
}
