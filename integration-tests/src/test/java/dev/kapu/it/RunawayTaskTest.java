package dev.kapu.it;

import static dev.kapu.it.Faults.await;
import static dev.kapu.it.Faults.awaitFile;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.spi.DaemonOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.TaskFuture;
import dev.kapu.flight.ClusterStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks that ignore their interrupt after a cancel: a daemon process is recycled for them (it
 * exits, so the spinning thread stops, and a replacement serves what follows); a daemon running
 * as threads of this JVM cannot exit, so it reports them in status.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunawayTaskTest {
  private static final Duration GRACE = DaemonOptions.DEFAULT_STOP_GRACE;
  /** The grace, then a JVM start for the replacement, on a loaded machine. */
  private static final Duration RECYCLED = GRACE.plus(Duration.ofSeconds(40));

  @TempDir Path dir;

  private Kapu kapu;

  @AfterEach
  void closeSession() {
    if (kapu != null) {
      kapu.close();
    }
  }

  @Test
  void aTaskThatIgnoresItsInterruptGetsItsDaemonProcessRecycledAndAReplacementServesTheNextTask()
      throws Exception {
    kapu = Kapu.local(1);
    ClusterStatus.Daemon old = kapu.status().daemons().get(0);
    String started = dir.resolve("started").toString();

    TaskFuture<Long> stubborn = kapu.submit(ctx -> Faults.spinIgnoringInterrupts(ctx, started, 600_000));
    awaitFile(Path.of(started));
    long cancelledAt = System.nanoTime();
    assertThat(stubborn.cancel(true)).isTrue();

    TaskFuture<String> next = kapu.submit(ctx -> ctx.daemonId() + "/" + ProcessHandle.current().pid()
        + "/" + Faults.threadsInside("spinIgnoringInterrupts").size());
    String ranOn = next.get(RECYCLED.toMillis(), TimeUnit.MILLISECONDS);
    System.out.printf("next task ran %d ms after the cancel, on %s%n", Faults.millisSince(cancelledAt), ranOn);

    assertThat(ProcessHandle.of(old.pid()).map(ProcessHandle::isAlive).orElse(false))
        .as("the recycled daemon's process (no core burns on the cancelled task)").isFalse();
    String[] where = ranOn.split("/");
    assertThat(where[0]).isEqualTo(old.id() + ".2");
    assertThat(Long.parseLong(where[1])).isNotEqualTo(old.pid());
    assertThat(where[2]).as("threads still in the cancelled task there").isEqualTo("0");
    ClusterStatus.Departure departure = kapu.status().departed().stream()
        .filter(d -> d.id().equals(old.id())).findFirst().orElseThrow();
    System.out.println("departure: " + departure);
    assertThat(departure.clean()).as("it drained and left on its own").isTrue();
    assertThat(departure.reason()).contains("recycled").contains("cancelled")
        .contains("ignored its interrupt for " + GRACE.toMillis() + " ms");
  }

  @Test
  void aDaemonInThisJvmCannotBeRecycledSoStatusCountsItsRunawayThreads() throws Exception {
    kapu = Kapu.builder().daemons(1).inProcess();
    String id = kapu.status().daemons().get(0).id();
    String started = dir.resolve("started").toString();
    long spinMillis = GRACE.toMillis() + 3_000;

    TaskFuture<Long> stubborn = kapu.submit(ctx -> Faults.spinIgnoringInterrupts(ctx, started, spinMillis));
    awaitFile(Path.of(started));
    assertThat(stubborn.cancel(true)).isTrue();

    await("status to count the runaway thread", RECYCLED,
        () -> Faults.requireDaemon(kapu, id).runawayThreads() == 1);
    assertThat(Faults.value(kapu.<String>submit(ctx -> ctx.daemonId()))).as("the same daemon serves on").isEqualTo(id);
    await("the runaway to return at last", RECYCLED, () -> Faults.requireDaemon(kapu, id).runawayThreads() == 0);
    assertThat(kapu.status().departed()).isEmpty();
  }
}
