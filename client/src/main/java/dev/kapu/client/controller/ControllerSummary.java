package dev.kapu.client.controller;

import java.util.List;

/**
 * A controller at one moment.
 *
 * @param controller its name
 * @param launcher its launcher's name
 * @param maxWorkers the most workers it runs at once
 * @param connected workers connected now (leaving ones included)
 * @param launching workers launched and still inside their connect window
 * @param launched workers launched since it started
 * @param failedLaunches workers that never connected, plus launches that failed outright
 * @param pushed tasks pushed
 * @param unresolved pushed tasks not yet ended
 * @param toPop ended tasks waiting for {@link Controller#pop()}
 * @param crashes times a worker died under a pushed task
 * @param awaiting tasks queued at the dispatcher (pushed or submitted)
 * @param executing tasks running on workers
 * @param lastLaunchFailure what went wrong with the last failed launch, or null
 * @param workers live workers, then the most recent ended ones (up to a thousand)
 */
public record ControllerSummary(
    String controller,
    String launcher,
    int maxWorkers,
    int connected,
    int launching,
    long launched,
    long failedLaunches,
    long pushed,
    long unresolved,
    long toPop,
    long crashes,
    long awaiting,
    long executing,
    String lastLaunchFailure,
    List<WorkerSummary> workers) {

  public ControllerSummary {
    workers = List.copyOf(workers);
  }

  /** Tasks finished across the workers listed. */
  public long tasks() {
    return workers.stream().mapToLong(WorkerSummary::tasks).sum();
  }

  /** Busy seconds across the workers listed. */
  public double secondsBusy() {
    return workers.stream().mapToDouble(WorkerSummary::secondsBusy).sum();
  }
}
