package dev.kapu.client.controller;

import dev.kapu.client.launch.Launch;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.flight.ProcessUsage;
import java.time.Instant;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/** What a controller knows of one worker; guarded by its {@link WorkerTable}. */
final class Worker {

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
    // the daemon's own report, from its host: the same for workers on this machine and on any other
    d.usage().ifPresent(this::used);
  }

  private void used(ProcessUsage usage) {
    usage.cpuSeconds().ifPresent(cpu -> cpuSeconds = cpu);
    usage.resident().ifPresent(bytes -> memoryBytes = bytes);
    OptionalLong peak = usage.peakResident().isPresent() ? usage.peakResident() : usage.resident();
    peak.ifPresent(bytes -> peakMemoryBytes = peakMemoryBytes == null ? bytes : Math.max(peakMemoryBytes, bytes));
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
}
