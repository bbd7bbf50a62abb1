package dev.kapu.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A daemon's task threads: one per slot from a queue, and one more per runaway. */
class TaskRunnersTest {
  private static final long PATIENCE_SECONDS = 30;

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void everyQueuedTaskRunsOnTheSlotsThreads() throws InterruptedException {
    TaskRunners runners = new TaskRunners(2, timer);
    try {
      CountDownLatch ran = new CountDownLatch(1_000);
      for (int i = 0; i < 1_000; i++) {
        runners.execute(ran::countDown);
      }
      assertThat(ran.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
    } finally {
      runners.shutdownNow();
    }
  }

  @Test
  void aRunawayGetsItsSlotBackAsAThreadOfItsOwn() throws InterruptedException {
    TaskRunners runners = new TaskRunners(1, timer);
    CountDownLatch release = new CountDownLatch(1);
    try {
      CountDownLatch stuckStarted = new CountDownLatch(1);
      runners.execute(() -> {
        stuckStarted.countDown();
        awaitQuietly(release); // a stopped task that ignores its interrupt
      });
      assertThat(stuckStarted.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
      CountDownLatch next = new CountDownLatch(1);
      runners.execute(next::countDown);
      // Queued behind the only slot's thread; the daemon counts the runaway, and the slot's
      // task runs on a thread of its own while the runaway still holds the first.
      runners.runaways(() -> 1);
      assertThat(next.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
      assertThat(release.getCount()).isEqualTo(1);
      runners.runaways(() -> 0);
    } finally {
      release.countDown();
      runners.shutdownNow();
    }
  }

  /** Waits for {@code latch} whatever happens, as a runaway does; the queue's tests use it too. */
  static void awaitQuietly(CountDownLatch latch) {
    while (true) {
      try {
        latch.await();
        return;
      } catch (InterruptedException e) {
        // ignored, as a runaway does
      }
    }
  }
}
