package dev.kapu.it;

import static dev.kapu.it.ControllerTesting.SMALL_WORKER;
import static dev.kapu.it.ControllerTesting.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.client.controller.Controller;
import dev.kapu.client.controller.WorkerSummary;
import dev.kapu.client.launch.Launchers;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker whose process this host cannot look into: launched (by the {@code command} launcher,
 * configured from settings as kapu.yaml gives them) in PID, UTS and mount namespaces of its own, it
 * has another host name and is pid 1 of its own {@code /proc}. Its CPU time and memory still reach
 * the controller's summary, because the daemon measures and reports them itself.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ForeignWorkerUsageTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void aWorkerInNamespacesOfItsOwnReportsItsCpuAndMemory() throws Exception {
    String name = "far" + UUID.randomUUID().toString().substring(0, 6);
    String launch = "exec unshare --uts --pid --fork --mount-proc sh -c 'hostname " + name
        + "-host && exec \"$@\"' worker {command}";
    try (Controller c = Controller.builder().name(name).jvmOptions(SMALL_WORKER).maxWorkers(1)
        .idle(Duration.ofSeconds(60)).launchTimeout(WAIT)
        .launcher(Launchers.create("command", Map.of("launch", launch))).build()) {
      long pidThere = c.submit(ctx -> {
        long sum = 0;
        for (long i = 0; i < 200_000_000L; i++) { // some CPU of its own to report
          sum += i ^ (sum >>> 3);
        }
        return sum == 42 ? -1 : ProcessHandle.current().pid();
      }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(pidThere).as("the worker is pid 1 of its own namespace").isEqualTo(1);

      // the loop's CPU arrives with the next heartbeat (a fifth of the 10 s liveness bound)
      await("the worker's report shows the loop's CPU", WAIT,
          () -> c.summary().workers().get(0).cpuSeconds().orElse(0) > 0.3);
      WorkerSummary w = c.summary().workers().get(0);
      System.out.println("worker seen as: " + w);
      assertThat(w.pid()).as("its pid, as it sees it: /proc/1 here is another process").isEqualTo(1);
      assertThat(w.host()).isNotEqualTo(InetAddress.getLocalHost().getHostName());
      assertThat(w.memoryBytes()).isPresent();
      assertThat(w.memoryBytes().getAsLong()).as("resident memory it reported").isGreaterThan(10L << 20);
      assertThat(w.peakMemoryBytes().getAsLong()).isGreaterThanOrEqualTo(w.memoryBytes().getAsLong());
    }
  }
}
