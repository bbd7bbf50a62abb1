package dev.kapu.flight;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class CoalescerTest {
  private final Coalescer<Integer> coalescer = new Coalescer<>();

  @Test
  void aMessageAloneIsWrittenAtOnceByItsSender() {
    assertThat(coalescer.add(1)).isTrue();
    assertThat(coalescer.takeAll()).containsExactly(1);
    assertThat(coalescer.release()).isFalse();
    assertThat(coalescer.add(2)).as("the next sender writes again").isTrue();
  }

  @Test
  void messagesQueuedWhileOneIsWrittenLeaveTogetherInOrder() {
    assertThat(coalescer.add(1)).isTrue();
    assertThat(coalescer.takeAll()).containsExactly(1);
    // Others send while the writer writes: they only queue.
    assertThat(coalescer.add(2)).isFalse();
    assertThat(coalescer.add(3)).isFalse();
    assertThat(coalescer.release()).as("the writer takes on what came meanwhile").isTrue();
    assertThat(coalescer.takeAll()).containsExactly(2, 3);
    assertThat(coalescer.release()).isFalse();
  }

  @Test
  void fromManyThreadsEveryMessageIsWrittenOnceAndEachThreadsInOrder() throws InterruptedException {
    int threads = 4;
    int each = 20_000;
    List<Integer> written = new ArrayList<>();
    List<Integer> batchSizes = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> senders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int base = t * each;
      Thread sender = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) {
          if (coalescer.add(base + i)) {
            do {
              synchronized (written) { // the stream's lock
                List<Integer> batch = coalescer.takeAll();
                written.addAll(batch);
                batchSizes.add(batch.size());
              }
            } while (coalescer.release());
          }
        }
      });
      sender.start();
      senders.add(sender);
    }
    start.countDown();
    for (Thread sender : senders) {
      sender.join();
    }
    assertThat(coalescer.takeAll()).as("nothing is left behind").isEmpty();
    assertThat(written).hasSize(threads * each).doesNotHaveDuplicates();
    for (int t = 0; t < threads; t++) {
      int base = t * each;
      List<Integer> mine = written.stream().filter(v -> v >= base && v < base + each).toList();
      assertThat(mine).isSorted();
    }
    System.out.println("batches: " + batchSizes.size() + " for " + written.size() + " messages");
  }
}
