package dev.kapu.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.Endpoint;
import dev.kapu.api.spi.DaemonOptions;
import dev.kapu.flight.KapuServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DaemonRefusedTest {
  /**
   * In one JVM the dispatcher refuses a wrong token on the thread that dials it, so the refusal
   * reaches the daemon before its constructor has returned: the daemon must still leave, and say
   * why, once it has finished starting (it used to leave its exit pending for good).
   */
  @Test
  void aRefusalThatArrivesWhileTheDaemonStartsStillEndsIt() throws Exception {
    try (KapuServer server = KapuServer.builder().inProcess("refused-" + UUID.randomUUID()).token("right").build()) {
      Endpoint wrong = new Endpoint(server.endpoint().url(), "wrong", null);
      DaemonOptions options = new DaemonOptions(wrong, "intruder", 1, Duration.ZERO, Duration.ZERO, 0, List.of(),
          DaemonOptions.DEFAULT_STOP_GRACE, List.of(), false, DaemonOptions.Code.DEFAULT);

      Daemon.Exit exit = Daemon.start(options).exit().get(30, TimeUnit.SECONDS);

      assertThat(exit.clean()).isFalse();
      assertThat(exit.reason()).contains("token was refused");
    }
  }
}
