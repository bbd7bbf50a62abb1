package dev.kapu.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A task's future is among the session's open futures until it completes, however it completes. */
class TaskFutureTest {
  private final Set<CompletableFuture<?>> open = ConcurrentHashMap.newKeySet();

  @Test
  void leavesTheOpenSetWhenItCompletes() {
    TaskFuture<Integer> value = new TaskFuture<>(open);
    TaskFuture<Integer> failure = new TaskFuture<>(open);
    TaskFuture<Integer> cancelled = new TaskFuture<>(open);
    TaskFuture<Integer> obtruded = new TaskFuture<>(open);
    assertThat(open).hasSize(4);
    value.complete(1);
    failure.completeExceptionally(new IllegalStateException("failed"));
    cancelled.cancel(true);
    obtruded.obtrudeValue(2);
    assertThat(open).isEmpty();
  }

  @Test
  void leavesTheOpenSetWhenACallersTimeoutCompletesIt() {
    TaskFuture<Integer> timed = new TaskFuture<>(open);
    timed.orTimeout(1, TimeUnit.MILLISECONDS);
    assertThat(timed).failsWithin(30, TimeUnit.SECONDS);
    // The timeout's thread leaves the set just after it completes the future, which may wake this
    // thread first.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!open.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(open).isEmpty();
  }

  @Test
  void aSecondCompletionChangesNothing() {
    TaskFuture<Integer> future = new TaskFuture<>(open);
    assertThat(future.complete(1)).isTrue();
    assertThat(future.complete(2)).isFalse();
    assertThat(future.cancel(true)).isFalse();
    assertThat(future.join()).isEqualTo(1);
    assertThat(open).isEmpty();
  }
}
