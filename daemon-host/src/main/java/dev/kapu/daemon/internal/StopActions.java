package dev.kapu.daemon.internal;

import dev.kapu.daemon.spi.TaskScope;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stop actions of one scope ({@link TaskScope#onStop}): each runs at most once, at the first
 * {@link #stop()} or at once if registered after it, and none runs once the scope has {@link
 * #end() ended}. A stop and the end exclude each other, so a cancel sent by a stop is under way
 * before what it cancels goes back to a pool.
 */
public final class StopActions {
  private static final Logger log = LoggerFactory.getLogger(StopActions.class);

  private final List<TaskScope.StopAction> actions = new ArrayList<>();
  private boolean stopped;
  private boolean ended;

  /** See {@link TaskScope#onStop}. */
  public synchronized void add(TaskScope.StopAction action) {
    if (ended) {
      return;
    }
    if (stopped) {
      run(action);
    } else {
      actions.add(action);
    }
  }

  /** Runs the actions registered so far (on the caller's thread), and later ones as they come. */
  public synchronized void stop() {
    if (stopped || ended) {
      return;
    }
    stopped = true;
    actions.forEach(StopActions::run);
    actions.clear();
  }

  /** Whether {@link #stop()} was called before the scope ended. */
  public synchronized boolean stopped() {
    return stopped;
  }

  /** The scope is over: nothing runs any more. */
  public synchronized void end() {
    ended = true;
    actions.clear();
  }

  private static void run(TaskScope.StopAction action) {
    try {
      action.stop();
    } catch (Exception e) {
      log.debug("a stop action failed: {}", e.toString()); // the work ended meanwhile, or cannot be stopped
    }
  }
}
