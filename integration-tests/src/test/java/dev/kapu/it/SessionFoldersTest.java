package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Session folders of client programs that never closed their session: removed by the shutdown
 * hook on SIGTERM; after SIGKILL, left until the next client starts, which removes them as their
 * owner is dead, and leaves those of live processes and those with no owner alone.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SessionFoldersTest {
  private final List<Path> planted = new ArrayList<>();
  private final List<Process> clients = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : clients) {
      p.destroy(); // SIGTERM, so that a client still holding its session removes its folder
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    for (Path dir : planted) {
      deleteTree(dir);
    }
  }

  /** A client JVM holding a session open; returns its session folder once it is ready. */
  private Path startClient(Process[] started) throws Exception {
    List<String> command = ThisJvmCommand.of(SessionHolder.class.getName());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    clients.add(p);
    started[0] = p;
    Path folder = null;
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null && !line.equals("ready"); line = out.readLine()) {
      if (line.startsWith("folder=")) {
        folder = Path.of(line.substring("folder=".length()));
      }
    }
    assertThat(folder).as("the client's session folder").isNotNull().isDirectory();
    Thread drain = new Thread(() -> out.lines().forEach(line -> { }), "client output");
    drain.setDaemon(true);
    drain.start();
    return folder;
  }

  /** A folder as a session of process {@code pid} started at {@code startedMillis} leaves one. */
  private Path plant(String prefix, long pid, long startedMillis) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    planted.add(dir);
    Files.writeString(dir.resolve("kapu-owner"), "pid=" + pid + "\nstarted=" + startedMillis + "\nhost="
        + InetAddress.getLocalHost().getHostName() + "\n");
    return dir;
  }

  @Test
  void aKilledClientsFolderIsRemovedByTheNextClientWhileLiveAndUnownedFoldersStay() throws Exception {
    Process[] first = new Process[1];
    Path abandoned = startClient(first);
    List<ProcessHandle> itsDaemons = first[0].descendants().toList();
    first[0].destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    // Its daemon leaves once it has lost the dispatcher; its folder stays, as nothing ran to remove it.
    Faults.await("the killed client's daemons to exit", () -> itsDaemons.stream().noneMatch(ProcessHandle::isAlive));
    assertThat(abandoned).isDirectory();

    ProcessHandle self = ProcessHandle.current();
    Path live = plant("kapu-live-", self.pid(), self.info().startInstant().map(Instant::toEpochMilli).orElse(0L));
    Process reused = new ProcessBuilder("sleep", "120").start();
    clients.add(reused);
    Path pidReused = plant("kapu-reused-", reused.pid(), 1L); // its pid, but another process's start
    Path unowned = Files.createTempDirectory("kapu-unowned-");
    planted.add(unowned);

    Process[] second = new Process[1];
    Path next = startClient(second);

    assertThat(abandoned).as("the killed client's folder").doesNotExist();
    assertThat(pidReused).as("a dead owner's folder whose pid now names another process").doesNotExist();
    assertThat(live).as("a live process's folder").isDirectory();
    assertThat(unowned).as("a folder that names no owner").isDirectory();
    assertThat(next).isDirectory();
  }

  @Test
  void aClientStoppedWithSigtermWithoutClosingRemovesItsFolder() throws Exception {
    Process[] client = new Process[1];
    Path folder = startClient(client);

    client[0].destroy(); // SIGTERM: the JVM runs its shutdown hooks
    assertThat(client[0].waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(folder).doesNotExist();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
