package dev.kapu.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When a daemon's limits say it leaves, and the reason it gives. */
class WorkLimitsTest {
  private static final long SECOND = Duration.ofSeconds(1).toNanos();
  private static final long START = 1_000 * SECOND;

  @Test
  void zeroLimitsNeverApply() {
    WorkLimits none = new WorkLimits(Duration.ZERO, Duration.ZERO, 0);
    assertThat(none.timed()).isFalse();
    assertThat(none.afterAccepting(1_000_000)).isNull();
    assertThat(none.at(START + 1_000_000 * SECOND, START, false, START)).isNull();
  }

  @Test
  void theLastTaskIsTheOneThatReachesTheLimit() {
    WorkLimits three = new WorkLimits(Duration.ZERO, Duration.ZERO, 3);
    assertThat(three.timed()).isFalse();
    assertThat(three.afterAccepting(2)).isNull();
    assertThat(three.afterAccepting(3)).isEqualTo("it reached its limit of 3 task(s)");
    assertThat(three.afterAccepting(4)).isEqualTo("it reached its limit of 3 task(s)");
  }

  @Test
  void wallTimeCountsFromTheStartBusyOrNot() {
    WorkLimits wall = new WorkLimits(Duration.ZERO, Duration.ofSeconds(60), 0);
    assertThat(wall.timed()).isTrue();
    assertThat(wall.at(START + 59 * SECOND, START, true, START + 59 * SECOND)).isNull();
    assertThat(wall.at(START + 60 * SECOND, START, true, START + 60 * SECOND))
        .isEqualTo("it reached its wall time of 60 s");
  }

  @Test
  void idleTimeCountsFromTheLastActivityAndOnlyWhenNothingIsBusy() {
    WorkLimits idle = new WorkLimits(Duration.ofSeconds(10), Duration.ZERO, 0);
    assertThat(idle.timed()).isTrue();
    long last = START + 100 * SECOND;
    assertThat(idle.at(last + 9 * SECOND, START, false, last)).isNull();
    assertThat(idle.at(last + 10 * SECOND, START, false, last)).isEqualTo("it was idle for 10 s");
    assertThat(idle.at(last + 1_000 * SECOND, START, true, last)).as("busy").isNull();
  }

  @Test
  void theWallTimeIsTheReasonWhenBothApply() {
    WorkLimits both = new WorkLimits(Duration.ofSeconds(10), Duration.ofSeconds(60), 0);
    assertThat(both.at(START + 60 * SECOND, START, false, START)).isEqualTo("it reached its wall time of 60 s");
  }

  @Test
  void timesMayWrapPastLongMaxValue() {
    WorkLimits idle = new WorkLimits(Duration.ofSeconds(10), Duration.ofSeconds(60), 0);
    long start = Long.MAX_VALUE - 5 * SECOND; // nanoTime may wrap while a daemon runs
    assertThat(idle.at(start + 9 * SECOND, start, false, start)).isNull();
    assertThat(idle.at(start + 10 * SECOND, start, false, start)).isEqualTo("it was idle for 10 s");
  }
}
