package dev.kapu.flight;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The dispatcher's queues of waiting tasks, one per set of resources the tasks name. */
class JobQueueTest {
  private final JobQueue queue = new JobQueue(System::nanoTime);

  private static Job job(long id, String... resources) {
    TaskRequest request = new TaskRequest(new byte[] {1}, 0, 0, List.of(resources), List.of());
    return new Job(null, id, request, (outcome, last) -> {}, false);
  }

  @Test
  void theOldestTaskADaemonCanRunGoesFirst() {
    queue.add(job(1, "pg"));
    queue.add(job(2));
    queue.add(job(3, "duckdb"));
    assertThat(queue.takeFor(needs -> !needs.contains("pg")).id).isEqualTo(2);
    assertThat(queue.takeFor(needs -> true).id).isEqualTo(1);
    assertThat(queue.takeFor(needs -> needs.isEmpty())).isNull();
    assertThat(queue.takeFor(needs -> true).id).isEqualTo(3);
    assertThat(queue.isEmpty()).isTrue();
  }

  /** A long-lived server reads many tables, each with a task on it: their emptied queues go. */
  @Test
  void aQueueEmptiedOfItsTasksIsDroppedByTheNextTake() {
    for (int i = 0; i < 1_000; i++) {
      queue.add(job(i, "table-" + i));
    }
    assertThat(queue.queueCount()).isEqualTo(1_000);
    for (int i = 0; i < 1_000; i++) {
      assertThat(queue.takeFor(needs -> true).id).isEqualTo(i);
    }
    queue.add(job(1_000, "table-0"));
    assertThat(queue.takeFor(needs -> true).id).isEqualTo(1_000);
    assertThat(queue.queueCount()).as("only the queue the last take emptied").isEqualTo(1);
  }

  @Test
  void aTaskCancelledWhileQueuedIsSkipped() {
    Job cancelled = job(1, "pg");
    queue.add(cancelled);
    queue.add(job(2, "pg"));
    cancelled.state = Job.State.DONE;
    queue.withdrawn();
    assertThat(queue.size()).isEqualTo(1);
    assertThat(queue.takeFor(needs -> true).id).isEqualTo(2);
    assertThat(queue.takeFor(needs -> true)).isNull();
    assertThat(queue.queueCount()).isZero();
  }
}
