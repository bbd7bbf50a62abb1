package dev.kapu.api.spi;

import dev.kapu.api.Endpoint;
import dev.kapu.api.ResourceSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a daemon runs.
 *
 * @param endpoint the dispatcher to dial
 * @param daemonId how the dispatcher names this daemon
 * @param slots how many tasks run at once
 * @param idle leave after this long with nothing to do; zero for never
 * @param wall leave after this long in all, once running tasks finish; zero for never
 * @param maxTasks leave after this many tasks; zero for no limit
 * @param allow patterns added to the deserialization allow-list
 * @param stopGrace how long a cancelled or timed-out task may take to honour its interrupt; past
 *     it the task's outcome is reported and its thread counts as a runaway (see {@code ownProcess})
 * @param resources what this daemon opens at start and hosts
 * @param ownProcess the daemon is its process ({@code kapu daemon}): a runaway task recycles it
 *     (it drains and exits, to be replaced); otherwise (threads in another program, which it
 *     cannot stop) the runaway thread is abandoned, counted and reported in status
 * @param code where the daemon finds the code of the tasks it runs, beyond its own class path
 */
public record DaemonOptions(
    Endpoint endpoint,
    String daemonId,
    int slots,
    Duration idle,
    Duration wall,
    long maxTasks,
    List<String> allow,
    Duration stopGrace,
    List<ResourceSpec> resources,
    boolean ownProcess,
    Code code) {

  /**
   * The code a daemon runs beyond its own class path.
   *
   * @param classpath jars and class directories added to the daemon's class path
   * @param acceptShipped whether sessions may ship their code here; if not, a task whose classes the
   *     daemon lacks fails with a message that says to use {@code classpath}
   * @param cache where shipped code is kept, shared by the daemons of a host; null for the default
   *     ({@code ~/.cache/kapu/code})
   */
  public record Code(List<Path> classpath, boolean acceptShipped, Path cache) {
    public static final Code DEFAULT = new Code(List.of(), true, null);

    public Code {
      classpath = List.copyOf(classpath);
    }
  }

  /**
   * How long a stopped task may ignore its interrupt: long enough for code that polls it or
   * blocks with its own short timeouts, short enough that a runaway burns little before its
   * daemon is recycled.
   */
  public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(5);

  public DaemonOptions {
    if (slots < 1) {
      throw new IllegalArgumentException("a daemon needs at least one slot");
    }
    if (maxTasks < 0 || idle.isNegative() || wall.isNegative() || stopGrace.isNegative()) {
      throw new IllegalArgumentException("limits must not be negative");
    }
    allow = List.copyOf(allow);
    resources = List.copyOf(resources);
    code = code != null ? code : Code.DEFAULT;
  }

  /** With the default {@link Code}: shipped code accepted, no class path added. */
  public DaemonOptions(Endpoint endpoint, String daemonId, int slots, Duration idle, Duration wall, long maxTasks,
      List<String> allow, Duration stopGrace, List<ResourceSpec> resources, boolean ownProcess) {
    this(endpoint, daemonId, slots, idle, wall, maxTasks, allow, stopGrace, resources, ownProcess, Code.DEFAULT);
  }

  /** One slot, no limits, the default allow-list, in a program of its caller's. */
  public static DaemonOptions of(Endpoint endpoint, String daemonId) {
    return new DaemonOptions(endpoint, daemonId, 1, Duration.ZERO, Duration.ZERO, 0, List.of(),
        DEFAULT_STOP_GRACE, List.of(), false);
  }

  public DaemonOptions withResources(List<ResourceSpec> specs) {
    return new DaemonOptions(endpoint, daemonId, slots, idle, wall, maxTasks, allow, stopGrace, specs, ownProcess,
        code);
  }
}
