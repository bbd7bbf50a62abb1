package dev.kapu.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestartBackoffTest {
  private static final Duration SHORT = Duration.ofSeconds(2);

  @Test
  void theFirstDeathIsReplacedAtOnceThenThePausesDoubleUpToTheCap() {
    RestartBackoff backoff = new RestartBackoff();
    List<Long> pauses = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      pauses.add(backoff.afterDeath(SHORT).toSeconds());
    }
    assertThat(pauses).containsExactly(0L, 1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);
    assertThat(backoff.deathsInARow()).isEqualTo(9);
  }

  @Test
  void aDaemonThatRanForAStablePeriodStartsTheCountAgain() {
    RestartBackoff backoff = new RestartBackoff();
    backoff.afterDeath(SHORT);
    backoff.afterDeath(SHORT);
    assertThat(backoff.afterDeath(SHORT)).isEqualTo(Duration.ofSeconds(2));

    assertThat(backoff.afterDeath(RestartBackoff.STABLE)).isEqualTo(Duration.ZERO);
    assertThat(backoff.deathsInARow()).isEqualTo(1);
    assertThat(backoff.afterDeath(SHORT)).isEqualTo(RestartBackoff.FIRST);
  }

  @Test
  void aLongCrashLoopStaysAtTheCap() {
    RestartBackoff backoff = new RestartBackoff();
    Duration last = Duration.ZERO;
    for (int i = 0; i < 1_000; i++) {
      last = backoff.afterDeath(Duration.ZERO);
    }
    assertThat(last).isEqualTo(RestartBackoff.MAX);
  }
}
