package dev.kapu.client.controller;

import java.util.List;

/**
 * A controller at one moment (or a session crew: see {@link Crew#of}).
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
    List<WorkerSummary> workers) implements CrewSummary {

  public ControllerSummary {
    workers = List.copyOf(workers);
  }

  /** This one. */
  @Override
  public List<ControllerSummary> controllers() {
    return List.of(this);
  }
}
