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
 * @param capturingThisAllowed whether the task may capture the object it was written in ({@link
 *     #allowCapturingThis()}); by default such a task is refused at submit
 */
public record TaskOptions(Duration timeout, int retries, List<String> resources, boolean capturingThisAllowed) {
  public static final TaskOptions DEFAULT = new TaskOptions(Duration.ZERO, 0, List.of(), false);

  public TaskOptions {
    if (timeout.isNegative() || retries < 0) {
      throw new IllegalArgumentException("timeout and retries must not be negative");
    }
    resources = List.copyOf(resources);
  }

  /** Options that do not let the task capture the object it was written in. */
  public TaskOptions(Duration timeout, int retries, List<String> resources) {
    this(timeout, retries, resources, false);
  }

  public static TaskOptions timeout(Duration timeout) {
    return DEFAULT.withTimeout(timeout);
  }

  /** The task uses these resources (or tables): route it to a daemon that hosts them. */
  public static TaskOptions on(String... resources) {
    return DEFAULT.withResources(resources);
  }

  public TaskOptions withTimeout(Duration timeout) {
    return new TaskOptions(timeout, retries, resources, capturingThisAllowed);
  }

  public TaskOptions withRetries(int retries) {
    return new TaskOptions(timeout, retries, resources, capturingThisAllowed);
  }

  public TaskOptions withResources(String... resources) {
    return new TaskOptions(timeout, retries, List.of(resources), capturingThisAllowed);
  }

  /**
   * Lets the task capture the object it was written in. A lambda that reads a field, or calls a
   * method, of the enclosing object carries that whole object to the daemon, with everything it
   * references: what you see is not what runs. By default Kapu refuses such a task at submit and
   * names the field; with this option the object travels (it must then be serializable).
   */
  public TaskOptions allowCapturingThis() {
    return new TaskOptions(timeout, retries, resources, true);
  }
}
