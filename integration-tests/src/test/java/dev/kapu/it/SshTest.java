package dev.kapu.it;

import static dev.kapu.it.ControllerTesting.SMALL_WORKER;
import static dev.kapu.it.ControllerTesting.await;
import static dev.kapu.it.ControllerTesting.commandLinesContaining;
import static dev.kapu.it.ControllerTesting.count;
import static dev.kapu.it.ControllerTesting.holdUntilReleased;
import static dev.kapu.it.ControllerTesting.touch;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.client.controller.Controller;
import dev.kapu.client.controller.ControllerSummary;
import dev.kapu.client.controller.TaskResult;
import dev.kapu.client.controller.WorkerSummary;
import dev.kapu.client.launch.SshLauncher;
import dev.kapu.flight.ClusterStatus;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SSH launcher against Debian's OpenSSH server on 127.0.0.1:22 ({@code .ci/setup-ssh.sh}
 * starts it): this user logs in to this machine with a key made for the test, authorized for the
 * test's duration only ({@link SshLogin}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SshTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static SshLogin login;

  @TempDir Path dir;

  @BeforeAll
  static void authorizeATestKey() throws Exception {
    login = SshLogin.authorize();
  }

  @AfterAll
  static void removeTheTestKey() throws IOException {
    if (login != null) {
      login.revoke();
    }
  }

  private static SshLauncher.Builder launcher() {
    return SshLauncher.builder(login.destination())
        .identityFile(login.identity())
        .option("StrictHostKeyChecking=no")
        .option("UserKnownHostsFile=" + login.knownHosts())
        .option("LogLevel=ERROR");
  }

  /** The ssh clients this JVM started. */
  private static long sshChildren() {
    return ProcessHandle.current().descendants()
        .filter(p -> p.info().command().map(c -> c.endsWith("/ssh")).orElse(false))
        .count();
  }

  @Test
  void workersStartedOverSshRunTasksAndLeaveWhenIdle() throws Exception {
    String started = dir.resolve("started").toString();
    String release = dir.resolve("release").toString();
    try (Controller c = Controller.builder().name("ssh").launcher(launcher().build()).jvmOptions(SMALL_WORKER)
        .maxWorkers(2).idle(Duration.ofSeconds(2)).build()) {
      assertThat(c.status().daemons()).isEmpty();
      for (int i = 0; i < 2; i++) {
        String name = "s" + i;
        c.push(name, ctx -> holdUntilReleased(started, name, release, 60_000)
            + "|" + System.getenv("SSH_CONNECTION") + "|" + ctx.daemonId());
      }
      await("two tasks running on SSH workers", WAIT, () -> count(Path.of(started)) == 2);
      assertThat(c.status().daemons()).extracting(ClusterStatus.Daemon::id).containsExactlyInAnyOrder("ssh-1", "ssh-2");
      assertThat(sshChildren()).isEqualTo(2);
      assertThat(commandLinesContaining(c.endpoint().token()))
          .as("the token is on no command line, here or on the far side").isEmpty();
      touch(Path.of(release));
      assertThat(c.waitAll(WAIT)).isTrue();

      List<TaskResult> results = c.collect();
      assertThat(results).allMatch(TaskResult::succeeded);
      for (TaskResult r : results) {
        String[] parts = ((String) r.value()).split("\\|");
        assertThat(parts[1]).as("started by sshd").startsWith("127.0.0.1 ");
      }
      assertThat(results.stream().map(r -> ((String) r.value()).split("\\|")[2]).collect(Collectors.toSet()))
          .containsExactlyInAnyOrder("ssh-1", "ssh-2");

      await("SSH workers gone after their idle time", WAIT, () -> c.status().daemons().isEmpty());
      await("their SSH sessions ended", WAIT, () -> sshChildren() == 0);
      ControllerSummary s = c.summary();
      assertThat(s.launcher()).isEqualTo("ssh");
      assertThat(s.launched()).isEqualTo(2);
      assertThat(s.workers()).allMatch(w -> w.state() == WorkerSummary.State.EXITED && w.tasks() == 1);
    }
  }

  @Test
  void aReverseTunnelCarriesTheWorkersConnectionAndTheCertificateTravelsForTls() throws Exception {
    int tunnelPort;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      tunnelPort = free.getLocalPort();
    }
    SshLauncher tunnelled = launcher().reverseTunnel(tunnelPort, 1).build();
    Controller c = Controller.builder().name("tunnel").launcher(tunnelled).jvmOptions(SMALL_WORKER).tls(true)
        .maxWorkers(1).idle(Duration.ofSeconds(30)).build();
    try {
      String certificate = Files.readString(c.endpoint().trustCertificate());
      String[] seen = c.push("where", ctx -> {
        List<String> args = List.of(Files.readString(Path.of("/proc/self/cmdline")).split("\0"));
        String cert = args.get(args.indexOf("--trust-cert") + 1);
        return new String[] {args.get(args.indexOf("--url") + 1), cert, Files.readString(Path.of(cert))};
      }).get(60, TimeUnit.SECONDS);
      assertThat(seen[0]).as("the worker dials its end of the tunnel").isEqualTo("grpc+tls://127.0.0.1:" + tunnelPort);
      assertThat(c.endpoint().url().getPort()).isNotEqualTo(tunnelPort);
      assertThat(Path.of(seen[1])).as("a copy made on the far side").isNotEqualTo(c.endpoint().trustCertificate());
      assertThat(seen[2]).isEqualTo(certificate);

      long pid = c.status().daemons().get(0).pid();
      c.terminate();
      await("terminate stopped the remote worker", Duration.ofSeconds(10),
          () -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
      await("and its SSH session", Duration.ofSeconds(10), () -> sshChildren() == 0);
    } finally {
      c.terminate();
    }
  }
}
