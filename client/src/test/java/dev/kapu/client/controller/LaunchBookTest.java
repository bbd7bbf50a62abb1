package dev.kapu.client.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LaunchBookTest {
  private static final long NOW = TimeUnit.SECONDS.toNanos(100);

  @Test
  void workersAreNamedAfterTheControllerInSequence() {
    LaunchBook book = new LaunchBook("gpu");
    assertThat(book.nextIds(2)).containsExactly("gpu-1", "gpu-2");
    assertThat(book.nextIds(1)).containsExactly("gpu-3");
  }

  @Test
  void eachFailureLengthensTheBackoffAndAConnectionEndsTheRun() {
    LaunchBook book = new LaunchBook("c");
    book.requestFailed(3, "sbatch: error", NOW);
    assertThat(book.failures()).isEqualTo(new ScalingDecision.Failures(1,
        OptionalLong.of(NOW + TimeUnit.MILLISECONDS.toNanos(250))));
    book.workerFailed("c-1", "it ended before connecting", NOW);
    assertThat(book.failures()).isEqualTo(new ScalingDecision.Failures(2,
        OptionalLong.of(NOW + TimeUnit.MILLISECONDS.toNanos(500))));
    assertThat(book.failed()).isEqualTo(4);
    assertThat(book.lastFailure()).isEqualTo("worker c-1: it ended before connecting");

    book.workerConnected();
    assertThat(book.failures()).isEqualTo(ScalingDecision.Failures.NONE);
    book.workerFailed("c-2", "again", NOW);
    assertThat(book.failures().backoffUntil()).hasValue(NOW + TimeUnit.MILLISECONDS.toNanos(250));
  }

  @Test
  void givingUpSaysWhyAndStartsTheCountAgain() {
    LaunchBook book = new LaunchBook("c");
    book.requestFailed(1, "no such host", NOW);
    book.requestFailed(1, "still no such host", NOW);
    assertThat(book.giveUp()).isEqualTo("2 launches in a row failed; the last: still no such host");
    assertThat(book.failures().inARow()).isZero();
    assertThat(book.failed()).isEqualTo(2);
  }
}
