package dev.kapu.client.launch;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The workers of one job array of a batch scheduler, one array task each. The scheduler is asked
 * for the tasks' states at most once a second, whatever the controller's pace.
 */
abstract class ArrayJobLaunch implements Launch {
  private final List<String> ids;
  final String jobId;
  private boolean checked;
  private long checkedAt;
  /** The array's tasks the scheduler lists, with their states; null until it has answered once. */
  private Map<String, String> states;

  ArrayJobLaunch(List<String> ids, String jobId) {
    this.ids = List.copyOf(ids);
    this.jobId = jobId;
  }

  @Override
  public final List<String> workerIds() {
    return ids;
  }

  /** The worker's position in the array, from 0. */
  final int index(String workerId) {
    return ids.indexOf(workerId);
  }

  /** The scheduler's name for the worker's array task, as its status command lists it. */
  abstract String task(String workerId);

  /**
   * The states of this job's tasks the scheduler lists now (a task it no longer lists has ended),
   * or null when its answer proves nothing (it failed).
   */
  abstract Map<String, String> poll();

  /** Whether a task in {@code state} may still run. */
  abstract boolean live(String state);

  /** Where the task's output goes. */
  abstract Path log(String task);

  private synchronized Map<String, String> states() {
    long now = System.nanoTime();
    if (!checked || now - checkedAt >= TimeUnit.SECONDS.toNanos(1)) {
      checked = true;
      checkedAt = now;
      Map<String, String> s = poll();
      if (s != null) {
        states = s;
      }
    }
    return states;
  }

  /** The worker's task state as last seen; empty if it is not listed or nothing is known yet. */
  final Optional<String> state(String workerId) {
    Map<String, String> s = states();
    return s == null ? Optional.empty() : Optional.ofNullable(s.get(task(workerId)));
  }

  @Override
  public Optional<String> ended(String workerId) {
    Map<String, String> s = states();
    if (s == null) {
      return Optional.empty(); // the scheduler has not answered yet: nothing is known
    }
    String task = task(workerId);
    String state = s.get(task);
    if (state != null && live(state)) {
      return Optional.empty();
    }
    Path log = log(task);
    return Optional.of(this + " task " + task + " has ended" + (state != null ? " (" + state + ")" : "")
        + "; its log (" + log + ") ends with:\n" + ProcessLaunch.tail(log, 15));
  }
}
