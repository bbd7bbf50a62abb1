package dev.kapu.client.controller;

import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.flight.ProcessUsage;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * {@link Crew#of}: crew's verbs over a plain session, whose daemons are whatever is connected.
 * Nothing is launched, so its summary is the dispatcher's view: no launches, no busy seconds, no
 * CPU or memory samples.
 */
final class SessionCrew extends DispatcherCrew {
  static final String NAME = "session";
  /** The same default as a controller's. */
  private static final int CRASHES_MAX = 5;

  SessionCrew(Kapu session) {
    super(session, NAME, TaskOptions.DEFAULT, CRASHES_MAX, null);
  }

  @Override
  public ControllerSummary summary() {
    ClusterStatus status = kapu.status();
    List<WorkerSummary> daemons = status.daemons().stream().map(SessionCrew::worker).toList();
    NamedTasks.Counts tasks = named.counts();
    return new ControllerSummary(NAME, "none", daemons.size(), daemons.size(), 0, 0, 0, tasks.pushed(),
        tasks.unresolved(), tasks.toPop(), tasks.crashes(), status.awaiting(), status.executing(), null, daemons);
  }

  private static WorkerSummary worker(ClusterStatus.Daemon d) {
    return new WorkerSummary(d.id(), d.draining() ? WorkerSummary.State.DRAINING : WorkerSummary.State.CONNECTED,
        d.host(), d.pid(), null, Instant.ofEpochMilli(d.connectedAtMillis()), null, d.completed(), d.failed(), 0,
        0, d.usage().map(ProcessUsage::cpuSeconds).orElse(OptionalDouble.empty()),
        d.usage().map(ProcessUsage::resident).orElse(OptionalLong.empty()),
        d.usage().map(ProcessUsage::peakResident).orElse(OptionalLong.empty()), null);
  }

  @Override
  public void terminate() {
    Optional<List<ControllerTask<?>>> open = named.close();
    if (open.isEmpty()) {
      return;
    }
    open.get().forEach(t -> t.cancel(true));
    kapu.close();
  }

  @Override
  public void close() {
    terminate();
  }

  @Override
  public String toString() {
    return "Crew[" + NAME + ", " + kapu + "]";
  }
}
