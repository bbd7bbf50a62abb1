package dev.kapu.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.daemon.code.SessionCodecs;
import dev.kapu.flight.WorkerConnection.Assignment;
import dev.kapu.serial.ParkedEnvelope;
import dev.kapu.serial.SerialFilter;
import dev.kapu.serial.TaskEnvelope;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Which assignments a daemon runs on its network thread: only what can wait for nothing. */
class InlineRunsTest {
  private static final SessionCodecs CODECS = new SessionCodecs(SerialFilter.defaults(), null, null);
  private static final TaskPayloads PAYLOADS = new TaskPayloads(CODECS, null, null, ticket -> null);
  private static final byte[] TASK = TaskEnvelope.call((Supplier<Integer> & Serializable) () -> 42, 1, 2)
      .encode(CODECS.own()).toByteArray();

  private static Assignment assignment(byte[] payload, long timeoutMillis, boolean setup, boolean nonBlocking) {
    return new Assignment(7, payload, timeoutMillis, setup, nonBlocking);
  }

  @Test
  void aTaskDeclaredNeverToBlockThatCanWaitForNothingRunsThere() {
    assertThat(new InlineRuns(PAYLOADS, true).accepts(assignment(TASK, 0, false, true))).isTrue();
  }

  @Test
  void anythingElseGoesToATaskThread() {
    InlineRuns inline = new InlineRuns(PAYLOADS, true);
    assertThat(inline.accepts(assignment(TASK, 0, false, false))).as("not declared").isFalse();
    assertThat(inline.accepts(assignment(TASK, 1_000, false, true))).as("a timeout interrupts").isFalse();
    assertThat(inline.accepts(assignment(TASK, 0, true, true))).as("an everywhere() setup").isFalse();
    byte[] parked = new ParkedEnvelope("grpc://localhost:1", "t".getBytes(StandardCharsets.UTF_8)).encode();
    assertThat(inline.accepts(assignment(parked, 0, false, true))).as("an envelope fetched apart").isFalse();
    assertThat(inline.accepts(assignment(new byte[] {9, 9}, 0, false, true)))
        .as("unreadable: a task thread's decoding says why").isFalse();
  }

  @Test
  void aDaemonInItsDispatchersJvmNeverRunsTasksThere() {
    assertThat(new InlineRuns(PAYLOADS, false).accepts(assignment(TASK, 0, false, true))).isFalse();
  }
}
