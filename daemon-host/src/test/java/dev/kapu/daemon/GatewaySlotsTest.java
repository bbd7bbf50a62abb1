package dev.kapu.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.spi.DaemonOptions;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.flight.KapuServer;
import dev.kapu.flight.TaskGateway;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GatewaySlotsTest {
  /** A client of another process asks for the slot count alone (a map does, before it starts). */
  @Test
  void aRemoteClientCountsTheConnectedDaemonsSlotsWithoutTheirStatus() throws Exception {
    try (KapuServer server = KapuServer.builder().inProcess("slots-" + UUID.randomUUID()).build();
        Daemon three = Daemon.start(options(server, "three", 3));
        Daemon five = Daemon.start(options(server, "five", 5));
        TaskGateway client = TaskGateway.connect(server.endpoint())) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (client.status().get(30, TimeUnit.SECONDS).daemons().size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      ClusterStatus status = client.status().get(30, TimeUnit.SECONDS);
      assertThat(status.daemons()).hasSize(2);

      assertThat(client.slots().get(30, TimeUnit.SECONDS)).isEqualTo(8)
          .isEqualTo(status.daemons().stream().mapToInt(ClusterStatus.Daemon::slots).sum());
    }
  }

  private static DaemonOptions options(KapuServer server, String id, int slots) {
    return new DaemonOptions(server.endpoint(), id, slots, Duration.ZERO, Duration.ZERO, 0, List.of(),
        DaemonOptions.DEFAULT_STOP_GRACE, List.of(), false, DaemonOptions.Code.DEFAULT);
  }
}
