package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.QueueFullException;
import dev.kapu.bench.ChildJvm;
import dev.kapu.client.Kapu;
import dev.kapu.client.TaskFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Submitting faster than the daemons can run: the session's queue budget holds the submitter back
 * (or refuses it, when asked to), so the client's heap stays bounded however many tasks it submits.
 */
class BackpressureTest {
  /** Opened by the test; the in-process daemon's task waits on it (same JVM). */
  static final CountDownLatch GATE = new CountDownLatch(1);

  /**
   * The case that ran a 384 MB client out of heap after 25,000 submissions: 200,000 tasks, each
   * capturing 10 KB, to two local daemons that are busy when the submissions start.
   */
  @Test
  @Timeout(value = 20, unit = TimeUnit.MINUTES)
  void twoHundredThousandTasksOfTenKilobytesCompleteInA384MegabyteClient() throws Exception {
    try (ChildJvm flood = ChildJvm.start(SubmitFlood.class, List.of("-Xmx384m"), List.of("200000", "10240"),
        Duration.ofMinutes(18), "result ")) {
      Map<String, String> result = new HashMap<>();
      for (String pair : flood.readyText().split(" ")) {
        String[] kv = pair.split("=", 2);
        result.put(kv[0], kv[1]);
      }
      System.out.println("200,000 x 10 KB under -Xmx384m: " + result);
      assertThat(result).containsEntry("completed", "200000");
      assertThat(Double.parseDouble(result.get("peak_heap_mb"))).isLessThanOrEqualTo(384);
    }
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void failFastRefusesWhatWouldGoPastTheBudgetAndTakesTasksAgainOnceSomeFinish() throws Exception {
    try (Kapu kapu = Kapu.builder().daemons(1).queueBudget(64 * 1024).whenQueueFull(Kapu.QueueFull.FAIL)
        .inProcess()) {
      TaskFuture<Boolean> holding = kapu.submit(ctx -> GATE.await(1, TimeUnit.MINUTES));
      List<TaskFuture<Integer>> accepted = new ArrayList<>();
      QueueFullException refused = null;
      while (refused == null) {
        byte[] captured = new byte[10_240];
        try {
          accepted.add(kapu.submit(ctx -> captured.length));
        } catch (QueueFullException e) {
          refused = e;
        }
      }
      assertThat(accepted).hasSizeBetween(1, 6);
      assertThat(refused).hasMessageStartingWith("task not queued: the session's tasks already hold")
          .hasMessageContaining("of its queue budget of 64 KiB")
          .hasMessageContaining("Kapu.builder().queueBudget(...)");
      GATE.countDown();
      assertThat(holding.get()).isTrue();
      for (TaskFuture<Integer> f : accepted) {
        assertThat(f.get()).isEqualTo(10_240);
      }
      byte[] again = new byte[10_240];
      assertThat(kapu.submit(ctx -> again.length).get()).isEqualTo(10_240);
    }
  }

  /**
   * A callback on Kapu's thread that submits more than the budget holds: were it held back, it
   * would wait for outcomes that only that thread delivers. It is let in over the budget.
   */
  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void aSubmitFromACallbackIsNeverHeldBack() throws Exception {
    try (Kapu kapu = Kapu.builder().daemons(1).queueBudget(16 * 1024).inProcess()) {
      byte[] captured = new byte[12_000];
      TaskFuture<Integer> first = kapu.submit(ctx -> captured.length);
      List<TaskFuture<Integer>> fanOut = java.util.Collections.synchronizedList(new ArrayList<>());
      CountDownLatch submitted = new CountDownLatch(1);
      first.whenComplete((v, e) -> {
        for (int i = 1; i <= 3; i++) { // 3 x 12 KB: twice the budget
          int n = i;
          fanOut.add(kapu.submit(ctx -> captured.length + n));
        }
        submitted.countDown();
      });
      assertThat(first.get()).isEqualTo(12_000);
      assertThat(submitted.await(1, TimeUnit.MINUTES)).isTrue();
      assertThat(fanOut).hasSize(3);
      for (int i = 0; i < 3; i++) {
        assertThat(fanOut.get(i).get()).isEqualTo(12_001 + i);
      }
    }
  }
}
