package dev.kapu.daemon;

import dev.kapu.api.CurrentTask;
import dev.kapu.api.MapFunction;
import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;
import dev.kapu.daemon.internal.DatabaseErrors;
import dev.kapu.flight.TaskOutcome;
import dev.kapu.flight.WorkerConnection;
import dev.kapu.serial.EncodedBytes;
import dev.kapu.serial.RemoteError;
import dev.kapu.serial.ResultEnvelope;
import dev.kapu.serial.TaskEnvelope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One assignment on its way through this daemon: its envelope decoded, its calls (the task, or
 * each item of a map chunk) run under the assignment's timeout, stopped on a cancel or a timeout
 * (a thread that ignores its interrupt past the grace becomes a runaway), and its outcome
 * reported exactly once.
 */
final class AssignmentRun implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(AssignmentRun.class);

  /**
   * What every run on a daemon shares; one per daemon, so that a run costs one object.
   *
   * @param stopGrace how long a stopped call may ignore its interrupt before it counts as a runaway
   * @param outcomes hears each run's outcome once
   */
  record Shared(
      TaskPayloads payloads,
      DaemonContexts.Services services,
      ScheduledExecutorService timer,
      Duration stopGrace,
      RunawayTasks runaways,
      Outcomes outcomes) {}

  /** Where a run's outcome goes: to the dispatcher, and off the daemon's account of what runs. */
  @FunctionalInterface
  interface Outcomes {
    void report(WorkerConnection.Assignment assignment, TaskOutcome.Kind kind, byte[] payload, String message);
  }

  @FunctionalInterface
  private interface Body {
    Object call() throws Exception;
  }

  private final WorkerConnection.Assignment assignment;
  private final Shared shared;
  private final AtomicBoolean reported = new AtomicBoolean();
  private volatile Thread thread;
  /** The context of the call under way, whose resources' work a stop must end (interrupts do not reach it). */
  private volatile DaemonContexts.Context context;
  private volatile TaskOutcome.Kind stopKind;
  private volatile long currentItem = -1;
  private volatile long itemTimedOut = -1;
  private volatile String stopMessage;
  /** Guarded by this: its thread ignored the stop past the grace and was counted as a runaway. */
  private boolean ranAway;
  /** False when it runs on a network thread, which a stop must not interrupt. */
  private volatile boolean interruptible = true;

  AssignmentRun(WorkerConnection.Assignment assignment, Shared shared) {
    this.assignment = assignment;
    this.shared = shared;
  }

  /**
   * Runs on the calling network thread ({@link InlineRuns}). A stop marks it but does not interrupt
   * it: an interrupt would reach the network's channel, and the task, declared never to block,
   * ends by itself.
   */
  void runOnNetworkThread() {
    interruptible = false;
    run();
  }

  @Override
  public void run() {
    thread = Thread.currentThread();
    ClassLoader contextLoader = thread.getContextClassLoader();
    try {
      if (stopKind == null) {
        execute();
      }
    } catch (Throwable t) {
      // execute() turns task failures into results; this is Kapu's own failure.
      log.error("task {} failed inside the daemon", assignment.taskId(), t);
      ResultEnvelope.Builder result = shared.payloads().newResult();
      result.addError(RemoteError.of(t));
      report(TaskOutcome.Kind.FAILED, shared.payloads().payload(result.encode()), t.toString());
    } finally {
      Thread.currentThread().setContextClassLoader(contextLoader); // a session's loader stays with its task
      Thread.interrupted(); // a late interrupt must not leak into the pool's next task
      boolean returnedLate;
      synchronized (this) {
        thread = null;
        returnedLate = ranAway;
      }
      if (returnedLate) {
        shared.runaways().ended();
      }
      if (stopKind != null) {
        report(stopKind, new byte[0], stopMessage);
      }
    }
  }

  private void execute() {
    long started = System.nanoTime();
    TaskEnvelope envelope;
    ResultEnvelope.Builder result = shared.payloads().newResult();
    try {
      envelope = shared.payloads().envelope(assignment.payload());
      // The task's own code: its classes, its codecs for the result, its thread's context loader.
      result = shared.payloads().newResult(envelope.codeId());
      Thread.currentThread().setContextClassLoader(shared.payloads().loader(envelope.codeId()));
    } catch (RuntimeException e) {
      result.addError(RemoteError.of(e));
      report(TaskOutcome.Kind.FAILED, shared.payloads().payload(result.encode()), e.getMessage());
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
        call(envelope, index, result, () -> fn.apply(item));
      }
    } else {
      @SuppressWarnings("unchecked")
      Task<Object> task = (Task<Object>) envelope.code();
      failed = !call(envelope, 0, result, () -> task.run(TaskContext.current()));
    }
    if (stopKind == null) {
      // A map chunk says how long it took: the client sizes the map's next chunks from it.
      EncodedBytes encoded = envelope.map() ? result.encode(System.nanoTime() - started) : result.encode();
      report(failed ? TaskOutcome.Kind.FAILED : TaskOutcome.Kind.SUCCEEDED, shared.payloads().payload(encoded), null);
    }
  }

  /** Runs one call under its timeout; false if it threw (the error is in {@code result}). */
  private boolean call(TaskEnvelope envelope, long index, ResultEnvelope.Builder result, Body body) {
    DaemonContexts.Context ctx = new DaemonContexts.Context(
        shared.services(), envelope.seed(), envelope.sequence(), index, () -> stopKind != null);
    // A map item that times out fails alone; the chunk goes on with the next item.
    ScheduledFuture<?> watchdog = assignment.timeoutMillis() <= 0 ? null : shared.timer().schedule(
        () -> {
          if (envelope.map()) {
            timeOutItem(index, late());
          } else {
            stop(TaskOutcome.Kind.TIMED_OUT, late());
          }
        },
        assignment.timeoutMillis(), TimeUnit.MILLISECONDS);
    currentItem = index;
    context = ctx;
    if (stopKind != null) {
      ctx.stopWork(); // stopped while this call was being set up: what it starts stops at once
    }
    CurrentTask.bind(ctx);
    try {
      Object value = envelope.map() ? body.call() : ctx.parkIfArrow(body.call());
      if (itemTimedOut == index) {
        result.addError(RemoteError.timedOut(late()));
        return false;
      }
      return result.addValue(value) == null;
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
        throw (VirtualMachineError) t; // out of memory: the daemon cannot vouch for itself
      }
      result.addError(itemTimedOut == index ? RemoteError.timedOut(late()) : DatabaseErrors.remoteError(t));
      return false;
    } finally {
      synchronized (this) {
        currentItem = -1;
        context = null;
        if (itemTimedOut == index) {
          Thread.interrupted(); // the item's interrupt must not reach the next item
        }
      }
      CurrentTask.unbind();
      ctx.close();
      if (watchdog != null) {
        watchdog.cancel(false);
      }
    }
  }

  /** Made only when a call did run late, not for every call. */
  private String late() {
    return "ran past its timeout of " + assignment.timeoutMillis() + " ms";
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
    shared.timer().schedule(() -> {
      if (currentItem == index && !reported.get()) {
        stop(TaskOutcome.Kind.TIMED_OUT, "item " + index + " " + message);
      }
    }, shared.stopGrace().toMillis(), TimeUnit.MILLISECONDS);
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
    if (!interruptible) {
      return;
    }
    t.interrupt();
    shared.timer().schedule(() -> {
      synchronized (this) {
        if (reported.get() || thread != t) {
          return;
        }
        ranAway = true;
      }
      report(kind, new byte[0],
          message + shared.runaways().ranAway(assignment.taskId(), message, shared.stopGrace()));
    }, shared.stopGrace().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops what the call under way runs in its resources (a statement: DuckDB's interrupt, PostgreSQL's cancel). */
  private void stopWork() {
    DaemonContexts.Context ctx = context;
    if (ctx != null) {
      ctx.stopWork();
    }
  }

  private void report(TaskOutcome.Kind kind, byte[] payload, String message) {
    if (reported.compareAndSet(false, true)) {
      shared.outcomes().report(assignment, kind, payload, message);
    }
  }
}
