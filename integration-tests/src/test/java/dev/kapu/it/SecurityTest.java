package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.KapuException;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.launch.WorkerCommand;
import dev.kapu.daemon.DaemonCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Tokens, loopback binding and TLS, with real daemon processes and a second client. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecurityTest {

  @Test
  void theDispatcherListensOnLoopbackByDefault() {
    try (LocalKapu kapu = Kapu.local(0)) {
      assertThat(kapu.endpoint().url().getHost()).isEqualTo("127.0.0.1");
      assertThat(kapu.endpoint().url().getScheme()).isEqualTo("grpc");
    }
  }

  @Test
  void aClientWithTheTokenRunsTasksAndOneWithAWrongTokenIsRefused() throws Exception {
    try (LocalKapu kapu = Kapu.local(1)) {
      String url = kapu.endpoint().url().toString();
      assertThatThrownBy(() -> Kapu.builder().token("not-the-token").connect(url))
          .isInstanceOf(KapuException.class)
          .hasMessageContaining("UNAUTHENTICATED")
          .hasMessageContaining("token was refused");
      try (Kapu remote = Kapu.builder().token(kapu.endpoint().token()).connect(url)) {
        assertThat(remote.submit(ctx -> ctx.daemonId()).get(30, TimeUnit.SECONDS)).isEqualTo("local-1");
        assertThat(remote.<Integer, Integer>map(List.of(1, 2, 3), x -> -x).get(30, TimeUnit.SECONDS))
            .containsExactly(-1, -2, -3);
        assertThat(remote.status().daemons()).hasSize(1);
      }
    }
  }

  @Test
  void aDaemonWithAWrongTokenIsRefusedAndSaysWhy(@TempDir Path dir) throws Exception {
    try (LocalKapu kapu = Kapu.local(0)) {
      Path token = dir.resolve("token");
      Files.writeString(token, "wrong", StandardCharsets.UTF_8);
      Process daemon = launchDaemon(kapu.endpoint().url().toString(), token, dir.resolve("daemon.log"));
      try {
        assertThat(daemon.waitFor(30, TimeUnit.SECONDS)).as("the refused daemon exits").isTrue();
      } finally {
        daemon.destroyForcibly(); // a daemon that hangs must not outlive the test
      }
      assertThat(daemon.exitValue()).isEqualTo(1);
      assertThat(Files.readString(dir.resolve("daemon.log"))).contains("token was refused");
      assertThat(kapu.status().daemons()).isEmpty();
    }
  }

  @Test
  void overTlsDaemonsAndClientsTrustTheGeneratedCertificate() throws Exception {
    try (LocalKapu kapu = Kapu.builder().tls(true).daemons(1).local()) {
      assertThat(kapu.endpoint().url().getScheme()).isEqualTo("grpc+tls");
      Path certificate = kapu.endpoint().trustCertificate();
      assertThat(Files.readString(certificate)).startsWith("-----BEGIN CERTIFICATE-----");
      assertThat(kapu.submit(ctx -> "over tls").get(30, TimeUnit.SECONDS)).isEqualTo("over tls");

      String url = kapu.endpoint().url().toString();
      try (Kapu remote = Kapu.builder().token(kapu.endpoint().token()).trustCertificate(certificate)
          .connect(url)) {
        assertThat(remote.submit(ctx -> 1 + 1).get(30, TimeUnit.SECONDS)).isEqualTo(2);
      }
      // Without the certificate the server is not trusted; in plaintext it is not understood.
      assertThatThrownBy(() -> Kapu.builder().token(kapu.endpoint().token()).connect(url))
          .isInstanceOf(KapuException.class).hasMessageContaining("UNAVAILABLE");
      String plaintext = url.replace("grpc+tls://", "grpc://");
      assertThatThrownBy(() -> Kapu.builder().token(kapu.endpoint().token()).connect(plaintext))
          .isInstanceOf(KapuException.class);
    }
  }

  static Process launchDaemon(String url, Path tokenFile, Path log) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(WorkerCommand.JVM_FLAGS);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), DaemonCommand.class.getName(),
        "--url", url, "--token-file", tokenFile.toString(), "--id", "intruder"));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
