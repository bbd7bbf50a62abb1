package dev.kapu.flight.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

  @Test
  void cumulativeBucketsAsPrometheusHasThem() {
    LatencyHistogram h = new LatencyHistogram();
    h.observe(TimeUnit.MICROSECONDS.toNanos(40)); // <= 50 µs
    h.observe(TimeUnit.MICROSECONDS.toNanos(100)); // exactly on the 100 µs bound
    h.observe(TimeUnit.MILLISECONDS.toNanos(3)); // <= 5 ms
    h.observe(TimeUnit.MINUTES.toNanos(10)); // past every bound: only in count (+Inf)
    StatusReport.Histogram c = h.cumulative();
    assertThat(c.le()).hasSize(LatencyHistogram.BOUNDS.length).startsWith(0.00005, 0.0001);
    assertThat(c.counts().get(0)).isEqualTo(1);
    assertThat(c.counts().get(1)).isEqualTo(2);
    assertThat(c.counts().get(c.le().indexOf(0.005))).isEqualTo(3);
    assertThat(c.counts().get(c.counts().size() - 1)).isEqualTo(3);
    assertThat(c.count()).isEqualTo(4);
    assertThat(c.sum()).isCloseTo(600.00314, org.assertj.core.api.Assertions.within(1e-9));
  }

  @Test
  void quantilesAreInterpolatedWithinTheirBucket() {
    LatencyHistogram h = new LatencyHistogram();
    assertThat(h.quantileMicros(0.5)).isZero();
    for (int i = 0; i < 99; i++) {
      h.observe(TimeUnit.MICROSECONDS.toNanos(200)); // the 100-250 µs bucket
    }
    h.observe(TimeUnit.SECONDS.toNanos(2)); // the 1-2.5 s bucket
    // rank 50 of the bucket's 99: about half-way from 100 to 250 µs
    assertThat(h.quantileMicros(0.5)).isEqualTo(176);
    assertThat(h.quantileMicros(0.99)).isEqualTo(250);
    assertThat(h.quantileMicros(1.0)).isEqualTo(2_500_000);
    h.observe(TimeUnit.MINUTES.toNanos(10)); // past every bound: the largest bound
    assertThat(h.quantileMicros(1.0)).isEqualTo(300_000_000);
  }

  @Test
  void recentLatencyForgetsMinutesPastItsWindow() {
    RecentLatency recent = new RecentLatency(5);
    long start = 1_000 * 60_000L;
    recent.observe(TimeUnit.SECONDS.toNanos(2), start); // a slow minute...
    for (int i = 0; i < 10; i++) {
      recent.observe(TimeUnit.MICROSECONDS.toNanos(80), start + 4 * 60_000L); // ...then fast ones, 4 minutes later
    }
    assertThat(recent.quantileMicros(1.0, start + 4 * 60_000L)).as("the slow minute still counts")
        .isEqualTo(2_500_000);
    assertThat(recent.quantileMicros(1.0, start + 5 * 60_000L)).as("five minutes on, it is gone")
        .isEqualTo(100);
    assertThat(recent.quantileMicros(0.5, start + 9 * 60_000L)).as("nothing in the window").isZero();
    recent.observe(TimeUnit.MICROSECONDS.toNanos(40), start + 10 * 60_000L); // reuses the first minute's slot
    assertThat(recent.quantileMicros(1.0, start + 10 * 60_000L)).isEqualTo(50);
  }
}
