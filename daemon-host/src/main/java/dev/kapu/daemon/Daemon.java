package dev.kapu.daemon;

import dev.kapu.flight.ByteStreams;
import dev.kapu.flight.TaskOutcome;
import dev.kapu.flight.WorkerConnection;
import dev.kapu.flight.internal.Hosts;
import dev.kapu.serial.CodecRegistry;
import dev.kapu.serial.EncodedBytes;
import dev.kapu.serial.ParkedEnvelope;
import dev.kapu.serial.RemoteError;
import dev.kapu.serial.ResultEnvelope;
import dev.kapu.serial.SerialFilter;
import dev.kapu.serial.TaskEnvelope;
import dev.kapu.daemon.internal.DaemonCalls;
import dev.kapu.daemon.internal.DaemonStreams;
import dev.kapu.daemon.internal.DatabaseErrors;
import dev.kapu.daemon.internal.DatabaseThreads;
import dev.kapu.daemon.internal.OpenTransactions;
import dev.kapu.daemon.internal.ResourceRegistry;
import dev.kapu.daemon.internal.TableStore;
import dev.kapu.daemon.spi.ResourceEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker: dials its dispatcher, runs what it is sent, and leaves when a limit is reached or the
 * dispatcher goes away. Runs in its own process ({@code kapu daemon}) or, for debugging, inside
 * the client's JVM.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  /** Why a daemon stopped. */
  public record Exit(boolean clean, String reason) {}

  private final DaemonOptions options;
  private final CodecRegistry codecs;
  private final ConcurrentMap<String, Object> state = new ConcurrentHashMap<>();
  private final Map<Long, Run> running = new ConcurrentHashMap<>();
  private final ExecutorService runners;
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
  private final WorkerConnection connection;
  private final String daemonId;
  private final String host;
  private final BufferAllocator allocator = new RootAllocator();
  private final TableStore tables;
  private final ResourceRegistry resources;
  private final OpenTransactions transactions;
  private final DaemonStreams streams;
  private final DaemonContexts.Services services;
  private final RunawayTasks runaways;

  private Daemon(DaemonOptions options) {
    this.options = options;
    this.codecs = CodecRegistry.standard(SerialFilter.withDefaults(options.allow()));
    this.host = localHostName();
    this.daemonId = options.daemonId() != null ? options.daemonId() : host + ":" + ProcessHandle.current().pid();
    this.tables = new TableStore(allocator, tableMemoryLimit(options.resources()), names -> announceHosting());
    this.runners = Executors.newCachedThreadPool(new DatabaseThreads("kapu-task"));
    this.setupRunner = Executors.newSingleThreadExecutor(new DatabaseThreads("kapu-setup"));
    this.queries = Executors.newFixedThreadPool(options.slots(), new DatabaseThreads("kapu-query"));
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, threads("kapu-timer"));
    t.setRemoveOnCancelPolicy(true);
    this.timer = t;
    try {
      this.resources = ResourceRegistry.open(options.resources(), new ResourceEnvironment() {
        @Override
        public BufferAllocator allocator() {
          return allocator;
        }

        @Override
        public ArrowTables tables() {
          return tables;
        }

        @Override
        public String daemonId() {
          return daemonId;
        }
      });
      this.transactions = new OpenTransactions(resources::get, timer, this::announceHosting);
      String dispatcher = options.endpoint().url().getHost();
      boolean local = Hosts.isLoopback(dispatcher);
      // Reached over loopback, the dispatcher and its clients are on this machine; otherwise they
      // dial this daemon at the address it reaches the dispatcher from.
      this.streams = new DaemonStreams(allocator, local ? "127.0.0.1" : "0.0.0.0",
          local ? "127.0.0.1" : Hosts.addressToward(dispatcher), options.endpoint().token(), timer,
          TimeUnit.MINUTES.toMillis(5), new DaemonCalls(tables, resources, transactions, allocator));
    } catch (Exception e) {
      closeQuietly(tables);
      timer.shutdownNow();
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }
    this.services = new DaemonContexts.Services(daemonId, state, resources, tables, allocator, streams,
        this::fetchParked, transactions, queries);
    WorkerConnection.Identity identity = new WorkerConnection.Identity(daemonId, host,
        ProcessHandle.current().pid(), options.slots(), hostedNames(), streams.url());
    this.connection = WorkerConnection.open(options.endpoint(), identity, new Handler(), timer);
    this.runaways = new RunawayTasks(options.ownProcess(), connection::runaways, this::recycle);
    startedAt = System.nanoTime();
    lastActivity = startedAt;
    connection.start();
    if (!options.idle().isZero() || !options.wall().isZero()) {
      timer.scheduleWithFixedDelay(this::checkLimits, 100, 100, TimeUnit.MILLISECONDS);
    }
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

  /** Resources, tables and, once it holds transactions, their address: what the dispatcher routes here by name. */
  private List<String> hostedNames() {
    List<String> names = new ArrayList<>(resources.names());
    names.addAll(tables.names());
    if (transactions.announced()) {
      names.add(transactions.address());
    }
    return names;
  }

  /**
   * Serialized: tables and transactions announce from task threads, and an announcement overtaken
   * by an older one would drop a name.
   */
  private synchronized void announceHosting() {
    WorkerConnection c = connection;
    if (c != null) {
      c.hosting(hostedNames());
    }
  }

  /** The {@code arrow} resource's {@code memoryLimit} bounds the daemon's tables (no limit without one). */
  private static long tableMemoryLimit(List<ResourceSpec> specs) {
    for (ResourceSpec spec : specs) {
      if (spec.kind().equals("arrow") && spec.option("memoryLimit", null) != null) {
        return parseBytes(spec.option("memoryLimit", null), spec.name());
      }
    }
    return Long.MAX_VALUE;
  }

  static long parseBytes(String text, String resource) {
    String t = text.trim().toUpperCase(java.util.Locale.ROOT).replace("IB", "B");
    long unit = 1;
    for (String[] suffix : new String[][] {{"KB", "1024"}, {"MB", "1048576"}, {"GB", "1073741824"}, {"TB", "1099511627776"}, {"B", "1"}}) {
      if (t.endsWith(suffix[0])) {
        unit = Long.parseLong(suffix[1]);
        t = t.substring(0, t.length() - suffix[0].length()).trim();
        break;
      }
    }
    try {
      return Math.round(Double.parseDouble(t) * unit);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("resource '" + resource + "': memoryLimit '" + text
          + "' is not a size such as 512MB");
    }
  }

  /** Loopback dispatchers get loopback streams; otherwise clients reach this machine by name. */
  /** A stream a client parked at the dispatcher for a task here. */
  private ArrowReader fetchParked(String ticket) {
    return connection.fetch(ticket, allocator);
  }

  /**
   * An encoded result travels inline if it is small; otherwise it waits on this daemon's endpoint
   * and the outcome carries where, so the client fetches it as a stream of chunks.
   */
  private byte[] payload(EncodedBytes result) {
    if (ByteStreams.inline(result)) {
      return result.toByteArray();
    }
    byte[] ticket = streams.park(ByteStreams.reader(result, allocator));
    return new ParkedEnvelope(streams.url(), ticket).encode();
  }

  /** Decodes a task envelope, fetching it from the dispatcher first if it was too large to come inline. */
  private TaskEnvelope envelope(byte[] payload) {
    ParkedEnvelope parked = ParkedEnvelope.of(payload);
    if (parked == null) {
      return TaskEnvelope.decode(codecs, payload);
    }
    try (InputStream in = ByteStreams.input(fetchParked(new String(parked.ticket(), StandardCharsets.UTF_8)))) {
      return TaskEnvelope.decode(codecs, in);
    } catch (IOException e) {
      throw new UncheckedIOException("closing the task's stream failed", e);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.warn("closing {} failed: {}", c.getClass().getSimpleName(), e.toString());
    }
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
    @Override
    public void onAssignment(WorkerConnection.Assignment assignment) {
      lastActivity = System.nanoTime();
      Run run = new Run(assignment);
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
      runners.execute(run);
      if (options.maxTasks() > 0 && n >= options.maxTasks()) {
        drain("it reached its limit of " + options.maxTasks() + " task(s)");
      }
    }

    @Override
    public void onCancel(long taskId) {
      Run run = running.get(taskId);
      if (run != null) {
        run.stop(TaskOutcome.Kind.CANCELLED, "cancelled");
      }
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

  private void checkLimits() {
    if (draining) {
      return;
    }
    long now = System.nanoTime();
    if (!options.wall().isZero() && now - startedAt >= options.wall().toNanos()) {
      drain("it reached its wall time of " + options.wall().toSeconds() + " s");
    } else if (!options.idle().isZero() && running.isEmpty() && setupsRunning.get() == 0 && transactions.isEmpty()
        && !streams.busy() && now - lastActivity >= options.idle().toNanos()) {
      // an open transaction is not idle (it ends by its own timeout), nor is a result waiting or streaming
      drain("it was idle for " + options.idle().toSeconds() + " s");
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
   * for the stream's end and the channel's shutdown, which that thread must deliver.
   */
  private void finishElsewhere(Exit how) {
    Thread leaver = new Thread(() -> finish(how), "kapu-leave");
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
    closeQuietly(streams);
    if (options.ownProcess() && runaways.count() > 0) {
      // A runaway may be inside a resource (a query in native code): closing it under the thread
      // could block or crash, and the process's exit frees everything anyway.
      log.warn("leaving {} runaway thread(s) behind; resources are released by the process's exit", runaways.count());
    } else {
      closeQuietly(transactions); // rolled back before their resources close
      closeQuietly(resources);
      closeQuietly(tables);
      closeQuietly(allocator);
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

  /** One assignment on its way through this daemon; reports exactly once. */
  private final class Run implements Runnable {
    final WorkerConnection.Assignment assignment;
    final AtomicBoolean reported = new AtomicBoolean();
    volatile Thread thread;
    /** The context of the call under way, whose resources' work a stop must end (interrupts do not reach it). */
    volatile DaemonContexts.Context context;
    volatile TaskOutcome.Kind stopKind;
    volatile long currentItem = -1;
    volatile long itemTimedOut = -1;
    volatile String stopMessage;
    /** Guarded by this: its thread ignored the stop past the grace and was counted as a runaway. */
    boolean ranAway;

    Run(WorkerConnection.Assignment assignment) {
      this.assignment = assignment;
    }

    @Override
    public void run() {
      thread = Thread.currentThread();
      try {
        if (stopKind == null) {
          execute();
        }
      } catch (Throwable t) {
        // execute() turns task failures into results; this is Kapu's own failure.
        log.error("task {} failed inside the daemon", assignment.taskId(), t);
        ResultEnvelope.Builder result = ResultEnvelope.builder(codecs);
        result.addError(RemoteError.of(t));
        report(TaskOutcome.Kind.FAILED, payload(result.encode()), t.toString());
      } finally {
        Thread.interrupted(); // a late interrupt must not leak into the pool's next task
        boolean returnedLate;
        synchronized (this) {
          thread = null;
          returnedLate = ranAway;
        }
        if (returnedLate) {
          runaways.ended();
        }
        if (stopKind != null) {
          report(stopKind, new byte[0], stopMessage);
        }
      }
    }

    private void execute() {
      TaskEnvelope envelope;
      ResultEnvelope.Builder result = ResultEnvelope.builder(codecs);
      try {
        envelope = envelope(assignment.payload());
      } catch (RuntimeException e) {
        result.addError(RemoteError.of(e));
        report(TaskOutcome.Kind.FAILED, payload(result.encode()), e.getMessage());
        return;
      }
      boolean failed = false;
      if (envelope.map()) {
        @SuppressWarnings("unchecked")
        MapFunction<Object, Object> fn = (MapFunction<Object, Object>) envelope.code();
        List<?> items = envelope.items();
        for (int i = 0; i < items.size() && stopKind == null; i++) {
          Object item = items.get(i);
          long index = envelope.firstIndex() + i;
          run(envelope, index, result, () -> fn.apply(item));
        }
      } else {
        @SuppressWarnings("unchecked")
        Task<Object> task = (Task<Object>) envelope.code();
        failed = !run(envelope, 0, result, () -> task.run(TaskContext.current()));
      }
      if (stopKind == null) {
        report(failed ? TaskOutcome.Kind.FAILED : TaskOutcome.Kind.SUCCEEDED, payload(result.encode()), null);
      }
    }

    /** Runs one call under its timeout; false if it threw (the error is in {@code result}). */
    private boolean run(TaskEnvelope envelope, long index, ResultEnvelope.Builder result, Body body) {
      DaemonContexts.Context ctx = new DaemonContexts.Context(
          services, envelope.seed(), envelope.sequence(), index, () -> stopKind != null);
      String late = "ran past its timeout of " + assignment.timeoutMillis() + " ms";
      // A map item that times out fails alone; the chunk goes on with the next item.
      ScheduledFuture<?> watchdog = assignment.timeoutMillis() <= 0 ? null : timer.schedule(
          () -> {
            if (envelope.map()) {
              timeOutItem(index, late);
            } else {
              stop(TaskOutcome.Kind.TIMED_OUT, late);
            }
          },
          assignment.timeoutMillis(), TimeUnit.MILLISECONDS);
      currentItem = index;
      context = ctx;
      if (stopKind != null) {
        ctx.stopWork(); // stopped while this call was being set up: what it starts stops at once
      }
      DaemonContexts.CURRENT.set(ctx);
      try {
        Object value = envelope.map() ? body.call() : ctx.parkIfArrow(body.call());
        if (itemTimedOut == index) {
          result.addError(RemoteError.timedOut(late));
          return false;
        }
        return result.addValue(value) == null;
      } catch (Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
          throw (VirtualMachineError) t; // out of memory: the daemon cannot vouch for itself
        }
        result.addError(itemTimedOut == index ? RemoteError.timedOut(late) : DatabaseErrors.remoteError(t));
        return false;
      } finally {
        synchronized (this) {
          currentItem = -1;
          context = null;
          if (itemTimedOut == index) {
            Thread.interrupted(); // the item's interrupt must not reach the next item
          }
        }
        DaemonContexts.CURRENT.remove();
        ctx.close();
        if (watchdog != null) {
          watchdog.cancel(false);
        }
      }
    }

    /** Interrupts one map item; if it ignores that past the grace, the whole chunk is stopped. */
    private void timeOutItem(long index, String message) {
      synchronized (this) {
        Thread t = thread;
        if (t == null || currentItem != index) {
          return; // the item ended meanwhile
        }
        itemTimedOut = index;
        stopWork();
        t.interrupt();
      }
      timer.schedule(() -> {
        if (currentItem == index && !reported.get()) {
          stop(TaskOutcome.Kind.TIMED_OUT, "item " + index + " " + message);
        }
      }, options.stopGrace().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Interrupts the task; if it ignores the interrupt past the grace, it is a runaway. */
    void stop(TaskOutcome.Kind kind, String message) {
      if (reported.get() || stopKind != null) {
        return;
      }
      stopMessage = message;
      stopKind = kind;
      Thread t = thread;
      if (t == null) {
        report(kind, new byte[0], message); // not started yet: it never will be
        return;
      }
      stopWork();
      t.interrupt();
      timer.schedule(() -> {
        synchronized (this) {
          if (reported.get() || thread != t) {
            return;
          }
          ranAway = true;
        }
        report(kind, new byte[0], message + runaways.ranAway(assignment.taskId(), message, options.stopGrace()));
      }, options.stopGrace().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops what the call under way runs in its resources (a statement: DuckDB's interrupt, PostgreSQL's cancel). */
    private void stopWork() {
      DaemonContexts.Context ctx = context;
      if (ctx != null) {
        ctx.stopWork();
      }
    }

    private void report(TaskOutcome.Kind kind, byte[] payload, String message) {
      if (!reported.compareAndSet(false, true)) {
        return;
      }
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
  }

  @FunctionalInterface
  private interface Body {
    Object call() throws Exception;
  }
}
