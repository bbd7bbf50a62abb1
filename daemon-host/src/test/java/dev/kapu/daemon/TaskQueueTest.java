package dev.kapu.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The daemon's task queue, with threads that take from it as a pool's do. */
class TaskQueueTest {
  private static final long PATIENCE_SECONDS = 30;

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final TaskQueue queue = new TaskQueue(timer);
  private final List<Thread> workers = new ArrayList<>();

  /** Interrupts each worker until it stops: a task that was still ending may have swallowed the first. */
  @AfterEach
  void stop() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
    for (Thread worker : workers) {
      while (worker.isAlive() && System.nanoTime() - deadline < 0) {
        worker.interrupt();
        worker.join(100);
      }
      assertThat(worker.isAlive()).as(worker.getName() + " stopped").isFalse();
    }
    timer.shutdownNow();
  }

  @Test
  void theDecisionToWakeAThreadAtOnce() {
    assertThat(TaskQueue.wakesAtOnce(0, 0, 0)).as("an idle daemon").isTrue();
    assertThat(TaskQueue.wakesAtOnce(1, 0, 0)).as("a thread is on its way").isFalse();
    assertThat(TaskQueue.wakesAtOnce(0, 1, 0)).as("a thread runs a short task").isFalse();
    assertThat(TaskQueue.wakesAtOnce(0, 1, TaskQueue.SHORT_RUN_NANOS)).as("tasks of late blocked").isTrue();
  }

  @Test
  void aTaskWakesAParkedThreadWhenNoneIsAwake() throws InterruptedException {
    Thread worker = startWorker();
    awaitParked(worker);
    CountDownLatch ran = new CountDownLatch(1);
    queue.offer(ran::countDown);
    assertThat(ran.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
  }

  /** The task ahead blocked though tasks were short so far: a parked thread is woken for the next one. */
  @Test
  void aTaskQueuedBehindOneThatBlocksIsTakenByAnotherThread() throws InterruptedException {
    assertThatATaskBehindABlockedOneRuns();
  }

  @Test
  void withoutATimerATaskWakesAThreadAtOnce() throws InterruptedException {
    timer.shutdownNow();
    assertThatATaskBehindABlockedOneRuns();
  }

  private void assertThatATaskBehindABlockedOneRuns() throws InterruptedException {
    Thread first = startWorker();
    Thread second = startWorker();
    awaitParked(first);
    awaitParked(second);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocking = new CountDownLatch(1);
    AtomicReference<Thread> blocked = new AtomicReference<>();
    queue.offer(() -> {
      blocked.set(Thread.currentThread());
      blocking.countDown();
      TaskRunnersTest.awaitQuietly(release);
    });
    assertThat(blocking.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
    awaitParked(blocked.get() == first ? second : first);
    CountDownLatch next = new CountDownLatch(1);
    queue.offer(next::countDown);
    try {
      assertThat(next.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
      assertThat(release.getCount()).as("the first task still blocks").isEqualTo(1);
    } finally {
      release.countDown();
    }
  }

  @Test
  void everyTaskOfManyBurstsRuns() throws InterruptedException {
    for (int i = 0; i < 4; i++) {
      startWorker();
    }
    int producers = 2;
    int each = 20_000;
    CountDownLatch ran = new CountDownLatch(producers * each);
    AtomicInteger slow = new AtomicInteger();
    List<Thread> senders = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      Thread sender = new Thread(() -> {
        for (int i = 0; i < each; i++) {
          boolean sleeps = i % 1_000 == 0; // now and then a task that blocks a little
          queue.offer(() -> {
            if (sleeps) {
              slow.incrementAndGet();
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
            ran.countDown();
          });
          if (i % 64 == 0) {
            Thread.yield(); // bursts, with gaps in which threads park
          }
        }
      });
      sender.start();
      senders.add(sender);
    }
    for (Thread sender : senders) {
      sender.join();
    }
    assertThat(ran.await(PATIENCE_SECONDS, TimeUnit.SECONDS)).isTrue();
    assertThat(slow.get()).isEqualTo(producers * each / 1_000);
    assertThat(queue).isEmpty();
  }

  @Test
  void drainingAndRemovingTakeQueuedTasks() {
    Runnable a = () -> {};
    Runnable b = () -> {};
    Runnable c = () -> {};
    queue.offer(a);
    queue.offer(b);
    queue.offer(c);
    assertThat(queue.remove(b)).isTrue();
    assertThat(queue).containsExactly(a, c);
    List<Runnable> drained = new ArrayList<>();
    assertThat(queue.drainTo(drained)).isEqualTo(2);
    assertThat(drained).containsExactly(a, c);
    assertThat(queue.poll()).isNull();
  }

  /** Takes and runs tasks as a pool's thread does, telling the queue; stops when interrupted. */
  private Thread startWorker() {
    Thread worker = new Thread(() -> {
      try {
        while (true) {
          Runnable task = queue.poll(1, TimeUnit.HOURS);
          queue.started();
          try {
            task.run();
          } finally {
            queue.finished();
          }
        }
      } catch (InterruptedException e) {
        // stopped
      }
    }, "task-queue-test-" + workers.size());
    worker.setDaemon(true);
    worker.start();
    workers.add(worker);
    return worker;
  }

  private void awaitParked(Thread worker) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
    while (!(worker.getState() == Thread.State.TIMED_WAITING && LockSupport.getBlocker(worker) == queue)) {
      if (System.nanoTime() - deadline > 0) {
        fail(worker.getName() + " never parked on the queue");
      }
      Thread.sleep(1);
    }
  }
}
