package dev.kapu.api;

import java.time.Duration;
import java.util.List;

/**
 * Per-task settings.
 *
 * @param timeout how long the task may run on its daemon (for a map: each item); zero for no limit.
 *     The daemon stops it then; the future fails with {@link TaskTimeoutException} at the latest a
 *     second later (for a map chunk, after the timeouts of all its items), whatever the daemon does
 * @param retries how often it is sent again if its daemon is lost while running it
 * @param resources what the task uses: it runs only on a daemon hosting all of them
 */
public record TaskOptions(Duration timeout, int retries, List<String> resources) {
  public static final TaskOptions DEFAULT = new TaskOptions(Duration.ZERO, 0, List.of());

  public TaskOptions {
    if (timeout.isNegative() || retries < 0) {
      throw new IllegalArgumentException("timeout and retries must not be negative");
    }
    resources = List.copyOf(resources);
  }

  public static TaskOptions timeout(Duration timeout) {
    return DEFAULT.withTimeout(timeout);
  }

  /** The task uses these resources (or tables): route it to a daemon that hosts them. */
  public static TaskOptions on(String... resources) {
    return DEFAULT.withResources(resources);
  }

  public TaskOptions withTimeout(Duration timeout) {
    return new TaskOptions(timeout, retries, resources);
  }

  public TaskOptions withRetries(int retries) {
    return new TaskOptions(timeout, retries, resources);
  }

  public TaskOptions withResources(String... resources) {
    return new TaskOptions(timeout, retries, List.of(resources));
  }
}
