package dev.kapu.client.controller;

import dev.kapu.api.DaemonLostException;
import java.util.List;

/** A pushed task's workers died more often than the controller's crash limit allows. */
public class CrashLimitException extends DaemonLostException {
  private static final long serialVersionUID = 1L;
  private final int crashes;
  private final List<String> workers;

  public CrashLimitException(String message, int crashes, List<String> workers) {
    super(message, workers.isEmpty() ? "" : workers.get(workers.size() - 1));
    this.crashes = crashes;
    this.workers = List.copyOf(workers);
  }

  /** How many times a worker died while running the task. */
  public int crashes() {
    return crashes;
  }

  /** The workers that died, in order. */
  public List<String> workers() {
    return workers;
  }
}
