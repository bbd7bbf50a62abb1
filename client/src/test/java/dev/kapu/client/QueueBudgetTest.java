package dev.kapu.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.KapuException;
import dev.kapu.api.QueueFullException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class QueueBudgetTest {
  private static final long KIB = 1024;

  @Test
  void failFastRefusesAtOnceWithWhatIsHeldAndHowToRaiseIt() {
    QueueBudget budget = new QueueBudget(64 * KIB, Kapu.QueueFull.FAIL);
    long first = budget.take(30 * KIB, true);
    long second = budget.take(30 * KIB, true);
    assertThat(budget.used()).isEqualTo(first + second).isEqualTo(2 * (30 * KIB + QueueBudget.PER_TASK_BYTES));
    assertThatThrownBy(() -> budget.take(10 * KIB, true))
        .isInstanceOf(QueueFullException.class)
        .isInstanceOf(KapuException.class)
        .hasMessage("task not queued: the session's tasks already hold 62 KiB of its queue budget of 64 KiB"
            + " (this one needs 11 KiB); wait for some to finish, or raise Kapu.builder().queueBudget(...)");
    assertThat(budget.used()).isEqualTo(first + second); // the refused task took nothing
    budget.giveBack(first);
    assertThat(budget.take(10 * KIB, true)).isEqualTo(10 * KIB + QueueBudget.PER_TASK_BYTES);
  }

  @Test
  void failFastRefusesInACallbackToo() {
    QueueBudget budget = new QueueBudget(4 * KIB, Kapu.QueueFull.FAIL);
    budget.take(2 * KIB, false);
    assertThatThrownBy(() -> budget.take(2 * KIB, false)).isInstanceOf(QueueFullException.class);
  }

  @Test
  void waitingCallersGoOnAsTasksFinish() throws Exception {
    QueueBudget budget = new QueueBudget(16 * KIB, Kapu.QueueFull.WAIT);
    long held = budget.take(14 * KIB, true);
    ExecutorService callers = Executors.newSingleThreadExecutor();
    try {
      Future<Long> blocked = callers.submit(() -> budget.take(4 * KIB, true));
      Thread.sleep(50); // a chance to run: it cannot finish whenever it runs, as nothing makes room
      assertThat(blocked.isDone()).isFalse();
      budget.giveBack(held);
      assertThat(blocked.get()).isEqualTo(4 * KIB + QueueBudget.PER_TASK_BYTES);
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void aCallbackIsLetInOverTheBudgetRatherThanWaitForItself() {
    QueueBudget budget = new QueueBudget(4 * KIB, Kapu.QueueFull.WAIT);
    budget.take(3 * KIB, true);
    long over = budget.take(3 * KIB, false);
    assertThat(budget.used()).isGreaterThan(budget.limit());
    budget.giveBack(over);
  }

  @Test
  void aTaskLargerThanTheBudgetGoesAlone() throws Exception {
    QueueBudget budget = new QueueBudget(8 * KIB, Kapu.QueueFull.WAIT);
    long small = budget.take(KIB, true);
    CompletableFuture<Long> huge = CompletableFuture.supplyAsync(() -> budget.take(100 * KIB, true));
    Thread.sleep(50); // as above: it cannot go while the small task holds room
    assertThat(huge).isNotDone();
    budget.giveBack(small);
    assertThat(huge.get()).isEqualTo(budget.limit());
  }

  @Test
  void sizesReadAsPeopleWriteThem() {
    assertThat(QueueBudget.size(11 * KIB)).isEqualTo("11 KiB");
    assertThat(QueueBudget.size(48L << 20)).isEqualTo("48.0 MiB");
    assertThat(QueueBudget.size(3L << 30)).isEqualTo("3.0 GiB");
  }

  @Test
  void closingWakesWaitingCallers() {
    QueueBudget budget = new QueueBudget(2 * KIB, Kapu.QueueFull.WAIT);
    budget.take(KIB, true);
    CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(() -> budget.take(KIB, true));
    budget.close();
    assertThatThrownBy(waiting::join).hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
