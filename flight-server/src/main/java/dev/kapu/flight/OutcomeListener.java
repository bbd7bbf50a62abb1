package dev.kapu.flight;

/** Receives a task's outcome: once for a task, once per daemon for an everywhere() setup. */
@FunctionalInterface
public interface OutcomeListener {
  /**
   * Called without any dispatcher lock held, possibly on a network thread: do not block.
   *
   * @param last true on the final call for this task
   */
  void onOutcome(TaskOutcome outcome, boolean last);
}
