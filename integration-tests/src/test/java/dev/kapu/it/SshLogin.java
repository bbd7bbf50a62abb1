package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A login to this machine over Debian's OpenSSH server on 127.0.0.1:22 ({@code .ci/setup-ssh.sh}
 * starts it), as the user running the tests, with a key made for the test and authorized until
 * {@link #revoke}. Fails, rather than skips, when no SSH server listens; {@code
 * KAPU_SKIP_SSH_TESTS=1} skips on purpose.
 */
final class SshLogin {
  private static final Path AUTHORIZED_KEYS = Path.of(System.getProperty("user.home"), ".ssh", "authorized_keys");

  private final Path keys;
  private final String keyComment;

  private SshLogin(Path keys, String keyComment) {
    this.keys = keys;
    this.keyComment = keyComment;
  }

  static SshLogin authorize() throws Exception {
    Assumptions.assumeFalse("1".equals(System.getenv("KAPU_SKIP_SSH_TESTS")),
        "KAPU_SKIP_SSH_TESTS=1: SSH tests skipped on purpose");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", 22), 2_000);
    } catch (IOException e) {
      throw new AssertionError("no SSH server on 127.0.0.1:22 (" + e.getMessage() + "): run .ci/setup-ssh.sh"
          + " as root (CI's .ci/run does), or set KAPU_SKIP_SSH_TESTS=1 to skip these tests", e);
    }
    Path keys = Files.createTempDirectory("kapu-ssh-test-");
    String keyComment = "kapu-ssh-test-" + UUID.randomUUID();
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", keyComment, "-f", keys.resolve("id").toString());
    Files.createDirectories(AUTHORIZED_KEYS.getParent(),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    if (!Files.exists(AUTHORIZED_KEYS)) {
      Files.createFile(AUTHORIZED_KEYS, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    // Usable from this machine only, should the test die before it removes the line.
    String line = "from=\"127.0.0.1\" " + Files.readString(keys.resolve("id.pub")).strip() + "\n";
    synchronized (SshLogin.class) {
      Files.writeString(AUTHORIZED_KEYS, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }
    return new SshLogin(keys, keyComment);
  }

  /** {@code user@127.0.0.1}. */
  String destination() {
    return System.getProperty("user.name") + "@127.0.0.1";
  }

  /** The private key. */
  Path identity() {
    return keys.resolve("id");
  }

  /** A known_hosts file of the test's own, so that the user's is left alone. */
  Path knownHosts() {
    return keys.resolve("known_hosts");
  }

  /** Removes the key from authorized_keys, and the key files. */
  void revoke() throws IOException {
    synchronized (SshLogin.class) {
      List<String> kept = Files.readAllLines(AUTHORIZED_KEYS).stream().filter(l -> !l.contains(keyComment)).toList();
      Files.write(AUTHORIZED_KEYS, kept);
    }
    try (var files = Files.walk(keys)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
  }
}
