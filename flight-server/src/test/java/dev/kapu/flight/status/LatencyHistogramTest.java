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
  void quantilesAreTheirBucketsUpperBounds() {
    LatencyHistogram h = new LatencyHistogram();
    assertThat(h.quantileMicros(0.5)).isZero();
    for (int i = 0; i < 99; i++) {
      h.observe(TimeUnit.MICROSECONDS.toNanos(200)); // the 250 µs bucket
    }
    h.observe(TimeUnit.SECONDS.toNanos(2)); // the 2.5 s bucket
    assertThat(h.quantileMicros(0.5)).isEqualTo(250);
    assertThat(h.quantileMicros(0.99)).isEqualTo(250);
    assertThat(h.quantileMicros(1.0)).isEqualTo(2_500_000);
  }
}
