package dev.kapu.client;

import java.time.Duration;

/**
 * Per-task settings.
 *
 * @param timeout how long the task may run on its daemon (for a map: each item); zero for no limit
 * @param retries how often it is sent again if its daemon is lost while running it
 */
public record TaskOptions(Duration timeout, int retries) {
  public static final TaskOptions DEFAULT = new TaskOptions(Duration.ZERO, 0);

  public TaskOptions {
    if (timeout.isNegative() || retries < 0) {
      throw new IllegalArgumentException("timeout and retries must not be negative");
    }
  }

  public static TaskOptions timeout(Duration timeout) {
    return new TaskOptions(timeout, 0);
  }

  public TaskOptions withTimeout(Duration timeout) {
    return new TaskOptions(timeout, retries);
  }

  public TaskOptions withRetries(int retries) {
    return new TaskOptions(timeout, retries);
  }
}
