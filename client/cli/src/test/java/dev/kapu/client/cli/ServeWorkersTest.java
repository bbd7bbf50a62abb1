package dev.kapu.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.client.controller.WorkerSummary;
import java.time.Instant;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The lines kapu serve prints of a controller's workers as it shuts down. */
class ServeWorkersTest {

  @Test
  void aWorkerThatReportedItsUsageShowsIt() {
    WorkerSummary w = new WorkerSummary("serve-1", WorkerSummary.State.CONNECTED, "node7", 4242, Instant.EPOCH,
        Instant.EPOCH, null, 3, 0, 0, 1.5, OptionalDouble.of(2.345), OptionalLong.of(150L << 20),
        OptionalLong.of(200L << 20), null);
    assertThat(ServeWorkers.line(w)).isEqualTo("kapu serve: worker serve-1 state=connected host=node7 pid=4242"
        + " tasks=3 cpu_seconds=2.35 memory_mb=150.0 peak_memory_mb=200.0");
  }

  @Test
  void aWorkerThatNeverConnectedHasNoFigures() {
    WorkerSummary w = new WorkerSummary("serve-2", WorkerSummary.State.FAILED, "", 0, Instant.EPOCH, null,
        Instant.EPOCH, 0, 0, 0, 0, OptionalDouble.empty(), OptionalLong.empty(), OptionalLong.empty(), "sbatch failed");
    assertThat(ServeWorkers.line(w)).isEqualTo("kapu serve: worker serve-2 state=failed host=- pid=0 tasks=0");
  }
}
