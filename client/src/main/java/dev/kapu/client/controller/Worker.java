package dev.kapu.client.controller;

import dev.kapu.client.launch.Launch;
import dev.kapu.flight.ClusterStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** What a controller knows of one worker; guarded by its {@link WorkerTable}. */
final class Worker {
  private static final long RESOURCE_SAMPLE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final String LOCAL_HOST = localHostName();

  final String id;
  final Launch launch;
  final long launchedAt;
  final long launchedAtMillis;
  WorkerSummary.State state;
  long connectedAt;
  long connectedAtMillis;
  long endedAt;
  long endedAtMillis;
  String host = "";
  long pid;
  long tasks;
  long errors;
  /** Pushed tasks whose outcome said this worker died under them. */
  long crashesReported;
  /** Tasks it was running, as last sampled, when it was lost. */
  long runningWhenLost;
  long lastExecuting;
  long lastSeen;
  long busyNanos;
  boolean draining;
  long resourcesSampledAt;
  Double cpuSeconds;
  Long memoryBytes;
  Long peakMemoryBytes;
  String note;
  volatile String exitNote;

  Worker(String id, Launch launch, long launchedAt, long launchedAtMillis) {
    this.id = id;
    this.launch = launch;
    this.launchedAt = launchedAt;
    this.launchedAtMillis = launchedAtMillis;
    this.state = WorkerSummary.State.LAUNCHING;
  }

  void observe(ClusterStatus.Daemon d, long now) {
    if (lastSeen != 0 && lastExecuting > 0) {
      busyNanos += now - lastSeen;
    }
    lastSeen = now;
    lastExecuting = d.executing();
    tasks = d.completed();
    errors = d.failed();
    draining = d.draining();
    host = d.host();
    pid = d.pid();
    state = draining ? WorkerSummary.State.DRAINING : WorkerSummary.State.CONNECTED;
    if (LOCAL_HOST.equals(host) && now - resourcesSampledAt >= RESOURCE_SAMPLE_NANOS) {
      resourcesSampledAt = now;
      sampleResources();
    }
  }

  /** CPU time and resident memory of a worker on this machine. */
  private void sampleResources() {
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty()) {
      return;
    }
    process.get().info().totalCpuDuration().ifPresent(cpu -> cpuSeconds = cpu.toNanos() / 1e9);
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          long bytes = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          memoryBytes = bytes;
          peakMemoryBytes = peakMemoryBytes == null ? bytes : Math.max(peakMemoryBytes, bytes);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or the process just left
    }
  }

  /** It is no longer connected: a clean exit if the dispatcher saw it drain, else a loss. */
  void gone(long now, boolean leftCleanly) {
    if (lastExecuting > 0) {
      busyNanos += now - lastSeen;
    }
    endedAt = now;
    endedAtMillis = System.currentTimeMillis();
    if (draining || leftCleanly) {
      state = WorkerSummary.State.EXITED;
      tasks += lastExecuting; // a leaving worker finishes what it runs before it goes
    } else {
      state = WorkerSummary.State.LOST;
      runningWhenLost = lastExecuting;
    }
    lastExecuting = 0;
  }

  WorkerSummary summary() {
    String why = note;
    if (exitNote != null) {
      why = why == null ? exitNote : why + "; " + exitNote;
    }
    return new WorkerSummary(id, state, host, pid,
        launchedAtMillis == 0 ? null : Instant.ofEpochMilli(launchedAtMillis),
        connectedAtMillis == 0 ? null : Instant.ofEpochMilli(connectedAtMillis),
        endedAtMillis == 0 ? null : Instant.ofEpochMilli(endedAtMillis),
        tasks, errors, Math.max(crashesReported, runningWhenLost), busyNanos / 1e9,
        cpuSeconds == null ? OptionalDouble.empty() : OptionalDouble.of(cpuSeconds),
        memoryBytes == null ? OptionalLong.empty() : OptionalLong.of(memoryBytes),
        peakMemoryBytes == null ? OptionalLong.empty() : OptionalLong.of(peakMemoryBytes),
        why);
  }

  private static String localHostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
