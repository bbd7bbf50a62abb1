package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code kapu serve} in a process of its own, with this JVM's class path (or another command, as
 * the distribution's {@code bin/kapu}): waits for "ready", keeps what it printed as
 * {@code key=value}, and on {@link #stop()} sends SIGTERM and checks that it and its daemons are gone.
 */
final class ServeProcess {
  final Process process;
  final Map<String, String> printed = new ConcurrentHashMap<>();
  final List<String> output = Collections.synchronizedList(new ArrayList<>());
  final List<ProcessHandle> daemons;
  private final List<InputStream> daemonLogs;
  private final Thread pump;

  private ServeProcess(ProcessBuilder builder) throws Exception {
    process = builder.redirectErrorStream(true).start();
    CompletableFuture<Void> ready = new CompletableFuture<>();
    pump = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          output.add(line);
          int eq = line.indexOf('=');
          if (eq > 0 && !line.contains(" ")) {
            printed.put(line.substring(0, eq), line.substring(eq + 1));
          }
          if (line.equals("ready")) {
            ready.complete(null);
          }
        }
        ready.completeExceptionally(new IllegalStateException("kapu serve exited:\n" + String.join("\n", output)));
      } catch (Exception e) {
        ready.completeExceptionally(e);
      }
    }, "kapu serve output");
    pump.setDaemon(true);
    pump.start();
    try {
      ready.get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
    daemons = liveDaemons();
    daemonLogs = daemons.stream().map(ServeProcess::logOf).toList();
  }

  /** Its daemon processes now (replacements included). */
  List<ProcessHandle> liveDaemons() {
    return process.descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("DaemonCommand"))
        .toList();
  }

  /**
   * The daemon hosting its pinned resources: the only one started with a config (the others host
   * replicated resources only, and with {@code --duckdb} there are none).
   */
  ProcessHandle pinnedDaemon() {
    List<ProcessHandle> withConfig = liveDaemons().stream()
        .filter(p -> p.info().commandLine().orElse("").contains("--config"))
        .toList();
    assertThat(withConfig).as("daemons started with a config").hasSize(1);
    return withConfig.get(0);
  }

  /** The session folder of its daemons (the one holding their token file). */
  Path sessionFolder() {
    String line = liveDaemons().get(0).info().commandLine().orElseThrow();
    String[] words = line.split(" ");
    for (int i = 0; i + 1 < words.length; i++) {
      if (words[i].equals("--token-file")) {
        return Path.of(words[i + 1]).getParent();
      }
    }
    throw new AssertionError("no --token-file in " + line);
  }

  /** Prints what it logged from {@code from} on, for the test's report. */
  void echo(String from) {
    synchronized (output) {
      output.stream().dropWhile(line -> !line.contains(from)).forEach(line -> System.out.println("  serve| " + line));
    }
  }

  /** Whether it printed a line containing every one of {@code parts}. */
  boolean printedLineWith(String... parts) {
    synchronized (output) {
      return output.stream().anyMatch(line -> java.util.Arrays.stream(parts).allMatch(line::contains));
    }
  }

  static ServeProcess start(String... args) throws Exception {
    return start(Map.of(), args);
  }

  /** With these variables added to its environment. */
  static ServeProcess start(Map<String, String> environment, String... args) throws Exception {
    List<String> command = ThisJvmCommand.of("dev.kapu.client.cli.KapuCli", "serve");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    return new ServeProcess(builder);
  }

  /** A command that runs {@code kapu serve} its own way (its command line, directory and environment). */
  static ServeProcess run(ProcessBuilder serve) throws Exception {
    return new ServeProcess(serve);
  }

  String jdbcUrl() {
    return printed.get("jdbc_url");
  }

  /**
   * What the daemons logged, all of it: call after {@link #stop()} to see what they logged as they
   * closed. Their log files are deleted with the server's temporary directory by then, but were
   * opened while they ran, and an open file stays readable.
   */
  String daemonLogs() throws IOException {
    StringBuilder all = new StringBuilder();
    for (InputStream log : daemonLogs) {
      all.append(new String(log.readAllBytes(), StandardCharsets.UTF_8));
    }
    return all.toString();
  }

  /** Opens a daemon's log: beside the token file it was started with, named after its id. */
  private static InputStream logOf(ProcessHandle daemon) {
    List<String> args = List.of(daemon.info().arguments().orElseThrow());
    Path tokenFile = Path.of(args.get(args.indexOf("--token-file") + 1));
    try {
      return Files.newInputStream(tokenFile.resolveSibling("daemon-" + args.get(args.indexOf("--id") + 1) + ".log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGTERM, then: the process exits, its daemons are gone, it said it was shutting down. */
  void stop() throws Exception {
    List<ProcessHandle> everyDaemon = new ArrayList<>(daemons);
    everyDaemon.addAll(liveDaemons());
    // SIGTERM through the handle: Process.destroy() would also close our end of its output.
    process.toHandle().destroy();
    boolean exited = process.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      process.destroyForcibly();
    }
    assertThat(exited).as("kapu serve exits on SIGTERM").isTrue();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (everyDaemon.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    everyDaemon.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    assertThat(everyDaemon).noneMatch(ProcessHandle::isAlive);
    pump.join(10_000); // the last lines, printed while shutting down
    assertThat(output).as("exit code %s", process.exitValue()).contains("kapu serve: shutting down");
  }
}
