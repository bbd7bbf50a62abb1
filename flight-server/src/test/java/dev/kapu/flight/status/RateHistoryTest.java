package dev.kapu.flight.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RateHistoryTest {

  @Test
  void oneSampleASecondWithTheQueueDepthCarriedOver() {
    RateHistory h = new RateHistory(10);
    h.queueDepth(1_000, 5);
    h.completed(1_200, 3);
    h.completed(1_900, 1);
    h.completed(3_100, 2); // second 2 passes with nothing done
    List<StatusReport.Sample> samples = h.samples(3_500);
    assertThat(samples).extracting(StatusReport.Sample::atMillis).containsExactly(1_000L, 2_000L, 3_000L);
    assertThat(samples).extracting(StatusReport.Sample::tasksPerSecond).containsExactly(4.0, 0.0, 2.0);
    assertThat(samples).extracting(StatusReport.Sample::queueDepth).containsExactly(5L, 5L, 5L);
  }

  @Test
  void keepsOnlyItsSecondsAndFillsSilentOnes() {
    RateHistory h = new RateHistory(3);
    h.completed(0, 1);
    h.completed(60_000, 7); // a minute later: the ring holds the last three seconds only
    List<StatusReport.Sample> samples = h.samples(60_000);
    assertThat(samples).extracting(StatusReport.Sample::atMillis).containsExactly(58_000L, 59_000L, 60_000L);
    assertThat(samples).extracting(StatusReport.Sample::tasksPerSecond).containsExactly(0.0, 0.0, 7.0);
    assertThat(h.samples(61_000)).hasSize(3).last().extracting(StatusReport.Sample::tasksPerSecond).isEqualTo(0.0);
  }

  @Test
  void theRateLeavesOutTheSecondUnderWay() {
    RateHistory h = new RateHistory(300);
    assertThat(h.perSecond(0, 5)).isZero();
    for (int second = 0; second < 10; second++) {
      h.completed(second * 1000L, 10);
    }
    h.completed(10_000, 1_000); // under way at 10.5 s
    assertThat(h.perSecond(10_500, 5)).isEqualTo(10.0);
    assertThat(h.perSecond(11_000, 5)).isEqualTo((4 * 10 + 1_000) / 5.0);
  }
}
