package dev.kapu.client.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A launch whose workers are child processes of this JVM, one per worker, each writing to its own
 * log: the worker itself ({@link LocalLauncher}), its SSH session ({@link SshLauncher}) or a
 * user's command ({@link CommandLauncher}).
 */
class ProcessLaunch implements Launch {
  private final List<String> ids;
  final Map<String, Process> processes = new ConcurrentHashMap<>();
  final Map<String, Path> logs = new ConcurrentHashMap<>();

  ProcessLaunch(List<String> ids) {
    this.ids = List.copyOf(ids);
  }

  void add(String id, Process process, Path log) {
    processes.put(id, process);
    logs.put(id, log);
  }

  @Override
  public List<String> workerIds() {
    return ids;
  }

  @Override
  public Optional<String> ended(String workerId) {
    Process p = processes.get(workerId);
    if (p == null) {
      return Optional.of("it was never started");
    }
    if (p.isAlive()) {
      return Optional.empty();
    }
    return Optional.of(describeExit(p.exitValue()) + "; its log (" + logs.get(workerId) + ") ends with:\n"
        + tail(logs.get(workerId), 15));
  }

  /** How an exit code reads, for {@link #ended}. */
  String describeExit(int code) {
    return "its process exited with code " + code;
  }

  /** The process's pid, while it lives. */
  public Optional<ProcessHandle> handle(String workerId) {
    Process p = processes.get(workerId);
    return p == null ? Optional.empty() : Optional.of(p.toHandle());
  }

  /** SIGTERM to the process and its descendants, SIGKILL a few seconds later if they linger. */
  @Override
  public void terminate(String workerId) {
    Process p = processes.get(workerId);
    if (p != null && p.isAlive()) {
      destroyTree(p.toHandle());
    }
  }

  static void destroyTree(ProcessHandle root) {
    List<ProcessHandle> all = new java.util.ArrayList<>(root.descendants().toList());
    all.add(root);
    all.forEach(ProcessHandle::destroy);
    CompletableFuture.delayedExecutor(3, TimeUnit.SECONDS).execute(
        () -> all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly));
  }

  /** The last {@code n} lines of a log, or why there are none. */
  static String tail(Path log, int n) {
    if (log == null) {
      return "(no log)";
    }
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return lines.isEmpty() ? "(nothing)"
          : String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
