package dev.kapu.client.controller;

import java.util.List;

/**
 * What a {@link Crew} holds at one moment: one {@link ControllerSummary} per controller (a
 * session crew counts as one), and totals across them.
 */
public interface CrewSummary {

  /** One summary per controller, in the group's order. */
  List<ControllerSummary> controllers();

  /** Workers connected now (leaving ones included). */
  int connected();

  /** Tasks pushed. */
  long pushed();

  /** Pushed tasks not yet ended. */
  long unresolved();

  /** Ended tasks waiting to be popped. */
  long toPop();

  /** Times a worker died under a pushed task. */
  long crashes();

  /** Tasks queued at the dispatchers (pushed or submitted). */
  long awaiting();

  /** Tasks running on workers. */
  long executing();

  /** Every worker listed, controller by controller. */
  List<WorkerSummary> workers();

  /** Tasks finished across the workers listed. */
  default long tasks() {
    return workers().stream().mapToLong(WorkerSummary::tasks).sum();
  }

  /** Busy seconds across the workers listed. */
  default double secondsBusy() {
    return workers().stream().mapToDouble(WorkerSummary::secondsBusy).sum();
  }
}
