package dev.kapu.flight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pure rules behind deadlines and the liveness bound. */
class DeadlinesTest {

  private static TaskRequest request(long timeoutMillis, int calls) {
    return new TaskRequest(new byte[0], timeoutMillis, 0, List.of(), List.of(), calls);
  }

  @Test
  void aTaskWithoutATimeoutHasNoDeadline() {
    assertThat(Deadlines.timed(request(0, 1))).isFalse();
    assertThat(Deadlines.timed(request(1, 1))).isTrue();
  }

  @Test
  void theSpanIsEveryCallsTimeoutPlusTheSlack() {
    assertThat(Deadlines.spanNanos(request(2_000, 1)))
        .isEqualTo(TimeUnit.MILLISECONDS.toNanos(2_000 + Deadlines.SLACK_MILLIS));
    assertThat(Deadlines.spanNanos(request(100, 1_024)))
        .isEqualTo(TimeUnit.MILLISECONDS.toNanos(102_400 + Deadlines.SLACK_MILLIS));
  }

  @Test
  void aHugeSpanSaturatesSoThatComparingWithTheClockStillWorks() {
    long span = Deadlines.spanNanos(request(Long.MAX_VALUE / 2, Integer.MAX_VALUE));
    assertThat(span).isPositive();
    long now = Long.MAX_VALUE - 5; // nanoTime may be anywhere, even near overflow
    long deadline = now + span;
    assertThat(Deadlines.passed(deadline, now)).isFalse();
    assertThat(Deadlines.passed(deadline, now + span)).isTrue();
  }

  @Test
  void theMessageSaysWhatWasWaitedFor() {
    assertThat(Deadlines.message(request(300, 1))).contains("timeout of 300 ms");
    assertThat(Deadlines.message(request(300, 4))).contains("4 items (4 x 300 ms)");
  }

  @Test
  void livenessDerivesTheHeartbeatAndKeepaliveFromTheBound() {
    Liveness ten = Liveness.DEFAULT;
    assertThat(ten.bound()).isEqualTo(Duration.ofSeconds(10));
    assertThat(ten.heartbeat()).isEqualTo(Duration.ofSeconds(2));
    assertThat(ten.keepAliveTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(ten.keepAliveTimeout()).isEqualTo(Duration.ofSeconds(5));
    Liveness three = Liveness.of(Duration.ofSeconds(3));
    assertThat(three.keepAliveTime()).as("gRPC's floor").isEqualTo(Duration.ofSeconds(10));
    Liveness minute = Liveness.of(Duration.ofMinutes(1));
    assertThat(minute.keepAliveTime()).isEqualTo(Duration.ofMinutes(1));
    assertThat(minute.keepAliveTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(ten.silent(0, TimeUnit.SECONDS.toNanos(10) - 1)).isFalse();
    assertThat(ten.silent(0, TimeUnit.SECONDS.toNanos(10))).isTrue();
    assertThatThrownBy(() -> Liveness.of(Duration.ofMillis(999))).isInstanceOf(IllegalArgumentException.class);
  }
}
