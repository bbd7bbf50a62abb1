package dev.kapu.bench;

import java.util.Arrays;

/**
 * Percentiles of round-trip times, in microseconds with one decimal: finer digits would only be
 * noise on a shared 2-core machine, where the benchmark compares ratios, not absolute times.
 *
 * <p>Percentiles rather than a mean, because a few garbage-collection or scheduling pauses would
 * drag a mean far from what a typical task sees; p99 then shows those pauses separately.
 */
public final class Stats {

  private Stats() {}

  /** The median of {@code nanos}, in microseconds. */
  public static double p50(long[] nanos) {
    return percentileMicros(nanos, 50);
  }

  /** The 99th percentile of {@code nanos}, in microseconds. */
  public static double p99(long[] nanos) {
    return percentileMicros(nanos, 99);
  }

  /** How many of {@code nanos} took longer than {@code thresholdNanos}. */
  public static long slowerThan(long[] nanos, double thresholdNanos) {
    return Arrays.stream(nanos).filter(n -> n > thresholdNanos).count();
  }

  /**
   * The {@code percentile} (0 to 100, exclusive of 0) of {@code nanos} by the nearest-rank method,
   * which always returns a measured value instead of interpolating between two; in microseconds,
   * rounded to one decimal. {@code nanos} is left unsorted.
   */
  public static double percentileMicros(long[] nanos, double percentile) {
    if (nanos.length == 0 || !(percentile > 0 && percentile <= 100)) {
      throw new IllegalArgumentException("need samples and a percentile in (0, 100]");
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(percentile / 100 * sorted.length);
    return Math.round(sorted[rank - 1] / 100.0) / 10.0;
  }
}
