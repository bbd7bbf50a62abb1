package dev.kapu.flight.status;

/**
 * Round trips of the last minutes, for the status's percentiles: one {@link LatencyHistogram} a
 * minute in a ring, and the percentiles over the minutes still in the window, so that an hour-old
 * burst does not hide how the server does now. Bounded: the ring's histograms are reused. Not
 * thread-safe: its owner guards it.
 */
final class RecentLatency {
  private final LatencyHistogram[] minutes;
  /** The minute (epoch millis / 60,000) each slot counts. */
  private final long[] minuteOf;

  /** @param minutes how many minutes count, the current one included */
  RecentLatency(int minutes) {
    this.minutes = new LatencyHistogram[minutes];
    this.minuteOf = new long[minutes];
    for (int i = 0; i < minutes; i++) {
      this.minutes[i] = new LatencyHistogram();
      this.minuteOf[i] = Long.MIN_VALUE;
    }
  }

  void observe(long nanos, long nowMillis) {
    long minute = Math.floorDiv(nowMillis, 60_000);
    int slot = (int) Math.floorMod(minute, (long) minutes.length);
    if (minuteOf[slot] != minute) {
      minutes[slot].clear();
      minuteOf[slot] = minute;
    }
    minutes[slot].observe(nanos);
  }

  /** The {@code q} quantile in microseconds over the window that ends at {@code nowMillis}; 0 if none. */
  long quantileMicros(double q, long nowMillis) {
    long minute = Math.floorDiv(nowMillis, 60_000);
    LatencyHistogram window = new LatencyHistogram();
    for (int i = 0; i < minutes.length; i++) {
      long age = minute - minuteOf[i];
      if (minuteOf[i] != Long.MIN_VALUE && age >= 0 && age < minutes.length) {
        window.add(minutes[i]);
      }
    }
    return window.quantileMicros(q);
  }
}
