package dev.kapu.it;

import static dev.kapu.it.Faults.await;
import static dev.kapu.it.Faults.requireDaemon;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.ResourceSpec;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.TaskFuture;
import dev.kapu.flight.ClusterStatus;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code Kapu.local} keeps its daemon processes up: one that is killed is replaced while the
 * session is open, with the resources it hosted, and work for them waits for the replacement; a
 * closing session replaces nothing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SupervisionTest {
  /** A JVM start for the replacement, on a loaded machine. */
  private static final Duration REPLACED = Duration.ofSeconds(45);

  private static LocalKapu withPinnedDatabase() {
    return Kapu.builder().daemons(2).resource(ResourceSpec.pinned("scratch", "duckdb", Map.of())).local();
  }

  private static String hostOf(LocalKapu kapu, String resource) {
    return kapu.status().daemons().stream().filter(d -> d.resources().contains(resource))
        .map(ClusterStatus.Daemon::id).findFirst().orElseThrow();
  }

  @Test
  void aKilledDaemonIsReplacedAndWorkForItsPinnedResourceWaitsForTheReplacement() throws Exception {
    try (LocalKapu kapu = withPinnedDatabase()) {
      kapu.submit(ctx -> {
        try (Statement s = ctx.resource("scratch", Connection.class).createStatement()) {
          return s.executeUpdate("CREATE TABLE notes AS SELECT 1 AS n");
        }
      }, TaskOptions.on("scratch")).get(Faults.WAIT.toMillis(), TimeUnit.MILLISECONDS);
      String host = hostOf(kapu, "scratch");
      long pid = requireDaemon(kapu, host).pid();

      Faults.sigkill(pid);
      // Submitted at once: it waits for the daemon that will host the resource again.
      TaskFuture<String> after = kapu.submit(ctx -> ctx.daemonId(), TaskOptions.on("scratch"));

      assertThat(after.get(REPLACED.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(host + ".2");
      assertThat(hostOf(kapu, "scratch")).isEqualTo(host + ".2");
      long tables = kapu.submit(ctx -> {
        try (Statement s = ctx.resource("scratch", Connection.class).createStatement();
            ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.tables")) {
          rs.next();
          return rs.getLong(1);
        }
      }, TaskOptions.on("scratch")).get(Faults.WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(tables).as("the in-memory database came back empty").isZero();
      assertThat(kapu.status().departed()).filteredOn(d -> d.id().equals(host)).singleElement()
          .satisfies(d -> assertThat(d.clean()).isFalse());
    }
  }

  @Test
  void aClosingSessionReplacesNoDaemon() throws Exception {
    LocalKapu kapu = withPinnedDatabase();
    List<Long> pids = kapu.status().daemons().stream().map(ClusterStatus.Daemon::pid).toList();
    kapu.close();
    await("the daemons to exit", () -> pids.stream().noneMatch(p -> ProcessHandle.of(p).isPresent()));
    assertThat(ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("DaemonCommand")))
        .as("daemon processes left after close").isEmpty();
  }
}
