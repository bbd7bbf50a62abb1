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
 * @param nonBlocking whether the task may run on its daemon's network thread ({@link #neverBlocks()})
 */
public record TaskOptions(Duration timeout, int retries, List<String> resources, boolean capturingThisAllowed,
    boolean nonBlocking) {
  public static final TaskOptions DEFAULT = new TaskOptions(Duration.ZERO, 0, List.of(), false, false);

  public TaskOptions {
    if (timeout.isNegative() || retries < 0) {
      throw new IllegalArgumentException("timeout and retries must not be negative");
    }
    resources = List.copyOf(resources);
  }

  /** Options that do not let the task capture the object it was written in. */
  public TaskOptions(Duration timeout, int retries, List<String> resources) {
    this(timeout, retries, resources, false, false);
  }

  public TaskOptions(Duration timeout, int retries, List<String> resources, boolean capturingThisAllowed) {
    this(timeout, retries, resources, capturingThisAllowed, false);
  }

  public static TaskOptions timeout(Duration timeout) {
    return DEFAULT.withTimeout(timeout);
  }

  /** The task uses these resources (or tables): route it to a daemon that hosts them. */
  public static TaskOptions on(String... resources) {
    return DEFAULT.withResources(resources);
  }

  public TaskOptions withTimeout(Duration timeout) {
    return new TaskOptions(timeout, retries, resources, capturingThisAllowed, nonBlocking);
  }

  public TaskOptions withRetries(int retries) {
    return new TaskOptions(timeout, retries, resources, capturingThisAllowed, nonBlocking);
  }

  public TaskOptions withResources(String... resources) {
    return new TaskOptions(timeout, retries, List.of(resources), capturingThisAllowed, nonBlocking);
  }

  /**
   * Lets the task capture the object it was written in. A lambda that reads a field, or calls a
   * method, of the enclosing object carries that whole object to the daemon, with everything it
   * references: what you see is not what runs. By default Kapu refuses such a task at submit and
   * names the field; with this option the object travels (it must then be serializable).
   */
  public TaskOptions allowCapturingThis() {
    return new TaskOptions(timeout, retries, resources, true, nonBlocking);
  }

  /**
   * Declares that the task never blocks and takes microseconds, as gRPC's {@code directExecutor()}
   * does for a handler: its daemon may then run it on the network thread that read it, which saves
   * two thread hand-offs of its round trip (about a fifth of it on a 2-core machine). While it
   * runs, that daemon reads and sends nothing, its heartbeats included.
   *
   * <p>A task runs there only when nothing about it can wait: it has no timeout (a timeout stops a
   * task by interrupting its thread), its arguments came with it (no Arrow input, no envelope
   * large enough to be fetched apart), the code its session shipped is already on the daemon, and
   * it is a {@code submit} (a {@code map}'s chunks of items are not). Otherwise it runs on a task
   * thread as any task does. A daemon whose non-blocking task ran longer than 100 ms logs a warning
   * and runs such tasks on its task threads from then on. A task that does block there (a lock,
   * I/O, a call back to the dispatcher) stalls its daemon until the dispatcher declares it lost.
   */
  public TaskOptions neverBlocks() {
    return new TaskOptions(timeout, retries, resources, capturingThisAllowed, true);
  }
}
