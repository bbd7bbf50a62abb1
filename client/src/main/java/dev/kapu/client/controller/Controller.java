package dev.kapu.client.controller;

import dev.kapu.api.Endpoint;
import dev.kapu.api.ResourceSpec;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.SessionOptions;
import dev.kapu.client.launch.Launch;
import dev.kapu.client.launch.LaunchException;
import dev.kapu.client.launch.Launcher;
import dev.kapu.client.launch.LocalLauncher;
import dev.kapu.client.launch.WorkerCommand;
import dev.kapu.flight.ClusterStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dispatcher with workers that come and go with the work: R's {@code crew} for Kapu.
 *
 * <p>A controller runs its own dispatcher (a {@link LocalKapu} with no daemons of its own) and
 * launches workers through a {@link Launcher}: local processes, SSH hosts, SLURM jobs, or a
 * command template. Every round of autoscaling (100 ms by default, and at once when a task is
 * pushed) it compares demand with supply and launches only the missing workers (see {@link
 * ScalingDecision}). Workers leave on their own after {@code idle} without work, after {@code
 * wall} in all, or after {@code tasksMax} tasks, so a controller with nothing to do shrinks to
 * zero workers.
 *
 * <p>A controller is a {@link Crew}: named tasks go through {@link #push} (which launches a worker
 * for them if supply falls short); their results wait for {@link #pop}, {@link #collect} or {@link
 * #waitAll}. If the worker running a pushed task dies, the task is sent again (a worker
 * is relaunched for it) until it has crashed {@code crashesMax} times; one more crash hands it to
 * the {@code backup} controller if there is one, else it ends as {@link TaskResult.Status#CRASHED}
 * with a {@link CrashLimitException}.
 *
 * <p>A controller is also a {@link Kapu}: {@link #submit}, {@link #map}, {@link #everywhere} and
 * {@link #executor} run on its workers and drive its autoscaling the same way. Those tasks are
 * retried by the dispatcher up to {@code crashesMax} times when a worker dies (unless you set
 * {@code taskOptions}), but are not handed to a backup.
 *
 * <pre>{@code
 * try (Controller c = Controller.builder().name("cpu").maxWorkers(4).idle(Duration.ofSeconds(30)).build()) {
 *   c.push("a", ctx -> 6 * 7);
 *   c.waitAll(Duration.ofMinutes(1));
 *   TaskResult r = c.pop().orElseThrow();
 * }
 * }</pre>
 */
public final class Controller extends DispatcherCrew {
  private static final Logger log = LoggerFactory.getLogger(Controller.class);

  private final String name;
  private final Launcher launcher;
  private final int maxWorkers;
  private final ControllerDirectory directory;
  private final WorkerCommand command;
  private final LaunchBook book;
  private final WorkerTable workers;
  private final Autoscaler autoscaler;
  private final LocalKapu dispatcher;
  private final Set<String> resources;

  private Controller(Builder b, LocalKapu kapu, ControllerDirectory directory, WorkerCommand command) {
    super(kapu, b.name, b.taskOptions != null ? b.taskOptions.withRetries(0) : TaskOptions.DEFAULT, b.crashesMax,
        b.backup == null ? null : b.backup.named);
    this.dispatcher = kapu;
    this.resources = b.resourceNames();
    this.name = b.name;
    this.launcher = b.launcher != null ? b.launcher : new LocalLauncher();
    this.maxWorkers = b.maxWorkers;
    this.directory = directory;
    this.command = command;
    this.book = new LaunchBook(name);
    this.workers = new WorkerTable(name, book);
    this.autoscaler = new Autoscaler(name, kapu, launcher, command, directory.path(),
        b.limits(), workers, book, named);
    autoscaler.start(b.interval);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The controller's name, unique within a {@link ControllerGroup}. */
  public String name() {
    return name;
  }

  /** Where workers connect: URL, token and, with TLS, the certificate to trust. */
  public Endpoint endpoint() {
    return dispatcher.endpoint();
  }

  /** The resources every worker hosts ({@link Builder#resource}). */
  Set<String> resources() {
    return resources;
  }

  /** How workers are started: the command the launcher runs. */
  public WorkerCommand workerCommand() {
    return command;
  }

  /** The private directory with the token file, scripts and worker logs. */
  public Path directory() {
    return directory.path();
  }

  @Override
  void wake() {
    autoscaler.wake();
  }

  @Override
  void crashedOn(String daemonId) {
    workers.crashReported(daemonId);
  }

  // ---------------------------------------------------------------- summary

  /**
   * Workers, tasks and launches now: runs a round of autoscaling first, so the counts are the
   * dispatcher's at this call (if the controller's thread is busy launching for more than a
   * second, they are those of the last round).
   */
  @Override
  public ControllerSummary summary() {
    autoscaler.refresh();
    List<WorkerSummary> all = workers.summaries();
    int connected = (int) all.stream().filter(w -> w.state() == WorkerSummary.State.CONNECTED
        || w.state() == WorkerSummary.State.DRAINING).count();
    int launching = (int) all.stream().filter(w -> w.state() == WorkerSummary.State.LAUNCHING).count();
    NamedTasks.Counts tasks = named.counts();
    ClusterStatus status = autoscaler.lastStatus();
    return new ControllerSummary(name, launcher.name(), maxWorkers, connected, launching, book.launched(),
        book.failed(), tasks.pushed(), tasks.unresolved(), tasks.toPop(), tasks.crashes(), status.awaiting(),
        status.executing(), book.lastFailure(), all);
  }

  // ---------------------------------------------------------------- terminate

  /**
   * Stops autoscaling, cancels what is open, closes the dispatcher (connected workers leave) and
   * stops every worker still launching or running through its launcher ({@code scancel}, a remote
   * {@code kill}, ...). The backup controller, if any, is not terminated.
   */
  @Override
  public void terminate() {
    Optional<List<ControllerTask<?>>> open = named.close();
    if (open.isEmpty()) {
      return;
    }
    autoscaler.stop();
    open.get().forEach(t -> t.cancel(true));
    dispatcher.close();
    for (Launch l : workers.launchesToStop()) {
      try {
        l.terminateAll();
      } catch (RuntimeException e) {
        log.warn("controller {}: stopping workers of {} failed: {}", name, l, e.toString());
      }
    }
    try {
      launcher.close();
    } catch (RuntimeException e) {
      log.warn("controller {}: closing launcher {} failed: {}", name, launcher.name(), e.toString());
    }
    directory.close();
  }

  /** Same as {@link #terminate()}. */
  @Override
  public void close() {
    terminate();
  }

  @Override
  public String toString() {
    return "Controller[" + name + ", " + launcher.name() + ", " + dispatcher.endpoint() + "]";
  }

  // ---------------------------------------------------------------- builder

  /**
   * Settings of a controller: its own (launcher, limits, worker command) and those every
   * dispatcher shares ({@link SessionOptions}; there, "daemons" are this controller's workers).
   * {@link #build()} starts its dispatcher, and no worker until work comes.
   */
  public static final class Builder extends SessionOptions<Builder> {
    private String name = "main";
    private Launcher launcher;
    private int maxWorkers = Runtime.getRuntime().availableProcessors();
    private Duration idle = Duration.ofSeconds(60);
    private Duration wall = Duration.ZERO;
    private long tasksMax;
    private Duration launchTimeout = Duration.ofSeconds(60);
    private int crashesMax = 5;
    private Controller backup;
    private int launchFailuresMax = 5;
    private TaskOptions taskOptions;
    private String java;
    private String classpath;
    private Path directory;
    private boolean keepDirectory;
    private Duration interval = Duration.ofMillis(100);

    private Builder() {}

    /** Names the controller, its workers ({@code name-1}, ...) and its scheduler jobs (default {@code main}). */
    public Builder name(String name) {
      if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
        throw new IllegalArgumentException("a controller name is letters, digits, '_', '.', '-': '" + name + "'");
      }
      this.name = name;
      return this;
    }

    /** How workers start (default: {@link LocalLauncher}). The controller closes it on terminate. */
    public Builder launcher(Launcher launcher) {
      this.launcher = launcher;
      return this;
    }

    /** The most workers at once (default: this machine's processors). */
    public Builder maxWorkers(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxWorkers must be at least 1");
      }
      this.maxWorkers = n;
      return this;
    }

    /** A worker leaves after this long without work (default 60 s); zero keeps workers forever. */
    public Builder idle(Duration idle) {
      this.idle = requireNotNegative(idle, "idle");
      return this;
    }

    /** A worker leaves after this long in all, once its tasks finish (default: no limit). */
    public Builder wall(Duration wall) {
      this.wall = requireNotNegative(wall, "wall");
      return this;
    }

    /** A worker leaves after this many tasks (default 0: no limit). */
    public Builder tasksMax(long n) {
      if (n < 0) {
        throw new IllegalArgumentException("tasksMax must not be negative");
      }
      this.tasksMax = n;
      return this;
    }

    /**
     * How long a launched worker may take to connect before it is stopped and no longer counted
     * (default 60 s). With a busy scheduler, allow for time in its queue.
     */
    public Builder launchTimeout(Duration timeout) {
      this.launchTimeout = requireNotNegative(timeout, "launchTimeout");
      return this;
    }

    /** Crashes a pushed task survives; one more ends it or hands it to the backup (default 5). */
    public Builder crashesMax(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("crashesMax must not be negative");
      }
      this.crashesMax = n;
      return this;
    }

    /** Where pushed tasks go once they exceed {@link #crashesMax}, for example one with more memory. */
    public Builder backup(Controller backup) {
      this.backup = backup;
      return this;
    }

    /**
     * After this many failed launches in a row with no worker connected, pushed tasks waiting for
     * a worker fail with a {@link LaunchException} rather than wait forever (default 5; 0: never).
     */
    public Builder launchFailuresMax(int n) {
      this.launchFailuresMax = Math.max(0, n);
      return this;
    }

    /**
     * A resource every worker opens and hosts. Only replicated resources: workers come and go, so
     * nothing pinned to one of them would last.
     */
    @Override
    public Builder resource(ResourceSpec resource) {
      if (resource.placement() != ResourceSpec.Placement.REPLICATED) {
        throw new IllegalArgumentException("resource " + resource.name() + " is pinned; a controller's"
            + " workers come and go, so it can host only replicated resources");
      }
      return super.resource(resource);
    }

    /**
     * Default timeout and retries for tasks (retries apply to {@link Controller#submit} and
     * {@link Controller#map}; pushed tasks use {@link #crashesMax}). Default: no timeout, retries
     * = crashesMax.
     */
    @Override
    public Builder taskOptions(TaskOptions options) {
      this.taskOptions = options;
      return super.taskOptions(options);
    }

    /** The {@code java} workers run (default: this JVM's; launchers may override per host). */
    public Builder java(String java) {
      this.java = java;
      return this;
    }

    /** The class path workers run with (default: this JVM's). */
    public Builder classpath(String classpath) {
      this.classpath = classpath;
      return this;
    }

    /**
     * Where the controller makes its private directory (token file, scripts, logs); default the
     * system's temp directory. Schedulers need one their nodes see.
     */
    public Builder directory(Path parent) {
      this.directory = parent;
      return this;
    }

    /** Keep the directory, with the workers' logs, after terminate (default: delete it). */
    public Builder keepDirectory(boolean keep) {
      this.keepDirectory = keep;
      return this;
    }

    /** How often autoscaling looks at the dispatcher (default 100 ms). */
    public Builder interval(Duration interval) {
      if (interval.toMillis() < 1) {
        throw new IllegalArgumentException("the interval must be at least 1 ms");
      }
      this.interval = interval;
      return this;
    }

    private static Duration requireNotNegative(Duration d, String what) {
      if (d.isNegative()) {
        throw new IllegalArgumentException(what + " must not be negative");
      }
      return d;
    }

    private Set<String> resourceNames() {
      return resourceSpecs().stream().map(ResourceSpec::name).collect(Collectors.toUnmodifiableSet());
    }

    private ScalingDecision.Limits limits() {
      return new ScalingDecision.Limits(maxWorkers, slotsPerDaemon(), launchTimeout.toNanos(), launchFailuresMax);
    }

    /** Starts the dispatcher; workers are launched when work arrives. */
    public Controller build() {
      ControllerDirectory dir = ControllerDirectory.create(directory, name, keepDirectory);
      boolean ship = shipCodeChoice() != null ? shipCodeChoice()
          : launcher != null && !launcher.sharesClassPath() && classpath == null;
      LocalKapu kapu = dispatcherOnly()
          .shipCode(ship)
          .taskOptions(taskOptions != null ? taskOptions : TaskOptions.DEFAULT.withRetries(crashesMax))
          .local();
      try {
        Endpoint endpoint = kapu.endpoint();
        WorkerCommand command = new WorkerCommand(
            java != null ? java : WorkerCommand.currentJava(), daemonJvmOptions(),
            classpath != null ? classpath : System.getProperty("java.class.path"),
            endpoint.url(), dir.writeToken(endpoint), dir.copyTrust(endpoint), slotsPerDaemon(), idle, wall, tasksMax,
            allowPatterns(), dir.writeResources(resourceSpecs()));
        return new Controller(this, kapu, dir, command);
      } catch (IOException | RuntimeException e) {
        kapu.close();
        throw e instanceof IOException io ? new UncheckedIOException("cannot prepare the controller", io)
            : (RuntimeException) e;
      }
    }
  }
}
