package dev.kapu.daemon;

import dev.kapu.api.spi.DaemonOptions;
import dev.kapu.daemon.internal.DatabaseThreads;
import dev.kapu.flight.TaskOutcome;
import dev.kapu.flight.DaemonReport;
import dev.kapu.flight.WorkerConnection;
import dev.kapu.daemon.code.SessionCodecs;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker: dials its dispatcher, runs what it is sent, and leaves when a limit is reached or the
 * dispatcher goes away. Runs in its own process ({@code kapu daemon}) or, for debugging, inside
 * the client's JVM.
 *
 * <p>This class keeps the account of what runs and decides when to leave; one assignment's run
 * is an {@link AssignmentRun}, what the daemon hosts is its {@link Hosting}, and when its limits
 * say to leave is {@link WorkLimits}.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  /** Why a daemon stopped. */
  public record Exit(boolean clean, String reason) {}

  private final DaemonOptions options;
  private final WorkLimits limits;
  private final Map<Long, AssignmentRun> running = new ConcurrentHashMap<>();
  private final TaskRunners runners;
  private final ExecutorService setupRunner;
  /** Runs queries whose results Flight SQL clients fetch (ParkQueryTask), as many at once as there are slots. */
  private final ExecutorService queries;
  private final ScheduledExecutorService timer;
  private final CompletableFuture<Exit> exit = new CompletableFuture<>();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicInteger setupsRunning = new AtomicInteger();
  // Both restart when the daemon says hello: opening resources is not idle or wall time.
  private volatile long startedAt = System.nanoTime();
  private volatile long lastActivity = System.nanoTime();
  private volatile boolean draining;
  private volatile boolean drainAccepted;
  private volatile String drainReason;
  private final AtomicBoolean leaving = new AtomicBoolean();
  private final AtomicBoolean finishing = new AtomicBoolean();
  /**
   * Done when the constructor has returned, failed if it threw: the dispatcher can refuse the
   * connection (a wrong token) while the constructor still runs after dialing it.
   */
  private final CompletableFuture<Void> constructed = new CompletableFuture<>();
  private final WorkerConnection connection;
  private final Hosting hosting;
  private final RunawayTasks runaways;
  private final AssignmentRun.Shared runs;
  private final InlineRuns inline;
  private final SessionCodecs codecs;

  private Daemon(DaemonOptions options) {
    this.options = options;
    this.limits = WorkLimits.of(options);
    String host = localHostName();
    String daemonId = options.daemonId() != null ? options.daemonId() : host + ":" + ProcessHandle.current().pid();
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, threads("kapu-timer"));
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    this.runners = new TaskRunners(options.slots(), timer);
    this.setupRunner = Executors.newSingleThreadExecutor(new DatabaseThreads("kapu-setup"));
    this.queries = Executors.newFixedThreadPool(options.slots(), new DatabaseThreads("kapu-query"));
    try {
      this.hosting = new Hosting(options, daemonId, timer, this::announceHosting);
    } catch (RuntimeException e) {
      timer.shutdownNow();
      throw e;
    }
    DaemonContexts.Services services = new DaemonContexts.Services(daemonId, new ConcurrentHashMap<>(),
        hosting.resources(), hosting.tables(), hosting.allocator(), hosting.streams(), this::fetchParked,
        hosting.transactions(), queries);
    WorkerConnection.Identity identity = new WorkerConnection.Identity(daemonId, host,
        ProcessHandle.current().pid(), options.slots(), hosting.names(), hosting.streams().url());
    this.connection = WorkerConnection.open(options.endpoint(), identity, new Handler(), timer);
    try {
      this.codecs = DaemonCode.codecs(options, connection);
      this.runaways = new RunawayTasks(options.ownProcess(), this::runawaysChanged, this::recycle);
      this.runs = new AssignmentRun.Shared(
          new TaskPayloads(codecs, hosting.streams(), hosting.allocator(), this::fetchParked),
          services, timer, options.stopGrace(), runaways, this::reported);
      this.inline = new InlineRuns(runs.payloads(), !options.endpoint().inProcess());
      startedAt = System.nanoTime();
      lastActivity = startedAt;
      connection.start();
      if (limits.timed()) {
        timer.scheduleWithFixedDelay(this::checkLimits, 100, 100, TimeUnit.MILLISECONDS);
      }
    } catch (RuntimeException | Error e) {
      constructed.completeExceptionally(e);
      throw e;
    }
    constructed.complete(null);
  }

  /** Connects and starts serving; see {@link #awaitExit()}. */
  public static Daemon start(DaemonOptions options) {
    return new Daemon(options);
  }

  /** Blocks until the daemon has left. */
  public Exit awaitExit() {
    return exit.join();
  }

  public CompletableFuture<Exit> exit() {
    return exit;
  }

  /**
   * Serialized: tables and transactions announce from task threads, and an announcement overtaken
   * by an older one would drop a name.
   */
  private synchronized void announceHosting() {
    WorkerConnection c = connection;
    if (c != null) {
      c.hosting(hosting.names());
    }
  }

  /** Runaway threads hold a thread each beside the slots' threads; the dispatcher hears how many. */
  private void runawaysChanged(int threads) {
    runners.runaways(runaways::count);
    connection.runaways(threads);
  }

  /** A stream a client parked at the dispatcher for a task here. */
  private ArrowReader fetchParked(String ticket) {
    return connection.fetch(ticket, hosting.allocator());
  }

  private static String localHostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "localhost";
    }
  }

  private static ThreadFactory threads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private final class Handler implements WorkerConnection.Handler {
    private final DaemonReporter reporter = new DaemonReporter(options, hosting);

    @Override
    public DaemonReport report() {
      return reporter.report();
    }

    @Override
    public void onAssignment(WorkerConnection.Assignment assignment) {
      lastActivity = System.nanoTime();
      AssignmentRun run = new AssignmentRun(assignment, runs);
      if (assignment.setup()) {
        setupsRunning.incrementAndGet();
        setupRunner.execute(run);
        return;
      }
      if (draining) {
        connection.returnTask(assignment.taskId());
        return;
      }
      running.put(assignment.taskId(), run);
      long n = accepted.incrementAndGet();
      if (inline.accepts(assignment)) {
        inline.run(run, assignment.taskId());
      } else {
        runners.execute(run);
      }
      String limitReached = limits.afterAccepting(n);
      if (limitReached != null) {
        drain(limitReached);
      }
    }

    @Override
    public void onCancel(long taskId) {
      AssignmentRun run = running.get(taskId);
      if (run != null) {
        run.stop(TaskOutcome.Kind.CANCELLED, "cancelled");
      }
    }

    @Override
    public void onCodeReleased(String codeId) {
      codecs.release(codeId);
    }

    @Override
    public void onDrainAccepted() {
      drainAccepted = true;
      leaveIfDone();
    }

    @Override
    public void onDisconnected(Throwable cause) {
      if (exit.isDone()) {
        return;
      }
      String why = WorkerConnection.describe(cause);
      if (cause != null) {
        log.warn("lost the dispatcher at {}: {}", options.endpoint(), why);
      }
      running.values().forEach(r -> r.stop(TaskOutcome.Kind.CANCELLED, "the dispatcher went away"));
      finishElsewhere(new Exit(cause == null, why));
    }
  }

  /** A run's outcome, once: to the dispatcher, then off the account of what runs here. */
  private void reported(WorkerConnection.Assignment assignment, TaskOutcome.Kind kind, byte[] payload, String message) {
    lastActivity = System.nanoTime();
    // Sent while the task still counts as running, so a leave on another thread cannot end
    // the stream before this outcome is on it.
    connection.done(assignment.taskId(), kind, payload, message);
    if (assignment.setup()) {
      setupsRunning.decrementAndGet();
    } else {
      running.remove(assignment.taskId());
    }
    leaveIfDone();
  }

  private void checkLimits() {
    if (draining) {
      return;
    }
    long now = System.nanoTime();
    // Read before lastActivity: a run stamps lastActivity before it leaves the account, so a
    // daemon seen with nothing running is seen with its last activity too.
    boolean busy = !running.isEmpty() || setupsRunning.get() != 0 || hosting.holdsWork();
    String limitReached = limits.at(now, startedAt, busy, lastActivity);
    if (limitReached != null) {
      drain(limitReached);
    }
  }

  private synchronized void drain(String reason) {
    if (!draining) {
      draining = true;
      drainReason = reason;
      log.info("leaving: {}", reason);
      connection.drain(reason);
    }
  }

  /** Drains for a runaway task and leaves within the drain bound, even if other tasks still run then. */
  private void recycle(String reason) {
    drain(reason);
    try {
      timer.schedule(() -> {
        if (!finishing.get()) {
          log.warn("leaving with {} task(s) still running after {} s of recycling", running.size(),
              RunawayTasks.RECYCLE_DRAIN.toSeconds());
          finishElsewhere(new Exit(false, reason + "; " + running.size() + " task(s) that still ran "
              + RunawayTasks.RECYCLE_DRAIN.toSeconds() + " s later were cut off"));
        }
      }, RunawayTasks.RECYCLE_DRAIN.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // leaving already
    }
  }

  private void leaveIfDone() {
    if (drainAccepted && running.isEmpty() && setupsRunning.get() == 0 && leaving.compareAndSet(false, true)) {
      finishElsewhere(new Exit(true, drainReason));
    }
  }

  /**
   * Finishes on a thread of its own: the caller may be the network thread, and finish() waits
   * for the stream's end and the channel's shutdown, which that thread must deliver. It waits for
   * the constructor too, whose fields finish() releases; if that threw, its caller heard why.
   */
  private void finishElsewhere(Exit how) {
    Thread leaver = new Thread(() -> {
      if (constructed.handle((done, failed) -> failed == null).join()) {
        finish(how);
      }
    }, "kapu-leave");
    leaver.setDaemon(true);
    leaver.start();
  }

  /** Releases everything once, whichever of drain, disconnect or close comes first. */
  private void finish(Exit how) {
    if (!finishing.compareAndSet(false, true)) {
      return;
    }
    timer.shutdownNow();
    runners.shutdown();
    setupRunner.shutdown();
    queries.shutdownNow();
    connection.close();
    hosting.closeStreams();
    if (options.ownProcess() && runaways.count() > 0) {
      // A runaway may be inside a resource (a query in native code): closing it under the thread
      // could block or crash, and the process's exit frees everything anyway.
      log.warn("leaving {} runaway thread(s) behind; resources are released by the process's exit", runaways.count());
    } else {
      hosting.release(); // transactions are rolled back before their resources close
    }
    exit.complete(how);
  }

  /** Stops serving at once: running tasks are interrupted, the connection closed. */
  @Override
  public void close() {
    running.values().forEach(r -> r.stop(TaskOutcome.Kind.CANCELLED, "the daemon is closing"));
    finish(new Exit(true, "closed"));
    runners.shutdownNow();
    setupRunner.shutdownNow();
  }
}
