package dev.kapu.client;

import dev.kapu.api.MapFunction;
import dev.kapu.api.MapOptions;
import dev.kapu.flight.TaskHandle;
import dev.kapu.flight.TaskOutcome;
import dev.kapu.serial.EncodedBytes;
import dev.kapu.serial.TaskEnvelope;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * A map in flight. Items travel in chunks, and only a window of chunks is in flight at once, so
 * a map over millions of items costs the client a few chunks' worth of encoded items, not all.
 * {@link MapChunks} sizes each chunk as it is sent, from the daemons' time on those back so far.
 */
final class MapRun<R> extends MapJob<R> {
  private static final Executor RAMP_STEP =
      CompletableFuture.delayedExecutor(MapChunks.RAMP_STEP_NANOS, TimeUnit.NANOSECONDS);
  private final Session session;
  private final List<?> items;
  private final MapFunction<?, ?> fn;
  private final MapOptions options;
  private final long sequence;
  private final MapChunks chunks;
  private final MapItems collected;
  /** By the chunk's first item. */
  private final Map<Integer, TaskHandle> inFlight = new ConcurrentHashMap<>();
  /** Chunks sent and not done yet. */
  private final AtomicInteger outstanding = new AtomicInteger();
  private final AtomicLong completedItems = new AtomicLong();
  private final ProgressBar progress;
  private final long started = System.nanoTime();
  /** A widening of the window is due (while it opens with time). */
  private final AtomicBoolean rampScheduled = new AtomicBoolean();

  MapRun(Session session, List<?> items, MapFunction<?, ?> fn, MapOptions options, long sequence,
      int slots) {
    this.session = session;
    this.items = items;
    this.fn = fn;
    this.options = options;
    this.sequence = sequence;
    int n = items.size();
    this.chunks = new MapChunks(n, options.chunkSize(), slots);
    this.collected = new MapItems(n);
    this.progress = options.progress() && n > 0
        ? new ProgressBarBuilder().setTaskName("kapu map").setInitialMax(n).setUpdateIntervalMillis(250).build()
        : null;
  }

  void start() {
    if (items.isEmpty()) {
      finish();
      return;
    }
    fill();
  }

  /** Sends chunks until the window is full or every item is out. */
  private void fill() {
    long elapsed = System.nanoTime() - started;
    int window = chunks.window(elapsed);
    while (!isDone()) {
      int inWindow = outstanding.get();
      if (inWindow >= window) {
        break;
      }
      if (!outstanding.compareAndSet(inWindow, inWindow + 1)) {
        continue;
      }
      MapChunks.Chunk chunk = chunks.next();
      if (chunk == null) {
        outstanding.decrementAndGet();
        break;
      }
      send(chunk.from(), chunk.to());
    }
    if (!isDone() && chunks.ramping(elapsed) && !rampScheduled.getAndSet(true)) {
      RAMP_STEP.execute(() -> {
        rampScheduled.set(false);
        fill();
      });
    }
  }

  private void send(int from, int to) {
    EncodedBytes envelope;
    try {
      envelope = TaskEnvelope.map(fn, items.subList(from, to), session.seed(), sequence, from)
          .encode(session.codecs());
    } catch (RuntimeException e) {
      collected.fail(from, e);
      fail();
      return;
    }
    session.send(envelope, Map.of(), options.task(), to - from, (outcome, last) -> onChunk(from, to, outcome), handle -> {
      inFlight.put(from, handle);
      if (isDone()) {
        handle.cancel(); // failed or cancelled while this chunk was being sent
      }
    });
  }

  private void onChunk(int from, int to, TaskOutcome outcome) {
    inFlight.remove(from);
    if (isDone()) {
      return;
    }
    if (outcome.kind() == TaskOutcome.Kind.SUCCEEDED || outcome.kind() == TaskOutcome.Kind.FAILED) {
      session.results(outcome).whenComplete((decoded, error) -> {
        if (error != null) {
          collected.fail(from, TaskResults.unwrap(error));
        } else {
          chunks.measured(to - from, decoded.runNanos());
          collected.record(from, decoded.entries());
        }
        chunkDone(from, to);
      });
    } else {
      collected.fail(from, to, TaskResults.error(outcome));
      chunkDone(from, to);
    }
  }

  private void chunkDone(int from, int to) {
    long completed = completedItems.addAndGet(to - from);
    if (progress != null) {
      progress.stepBy(to - from);
    }
    if (collected.anyFailed() && options.stopOnFirstError()) {
      fail();
    } else if (completed == items.size()) {
      finish();
    } else {
      outstanding.decrementAndGet();
      fill();
    }
  }

  @SuppressWarnings("unchecked")
  private void finish() {
    closeProgress();
    if (!collected.anyFailed()) {
      complete((List<R>) collected.results());
    } else {
      completeExceptionally(collected.exception(collected.failed() + " of " + items.size() + " items failed"));
    }
  }

  private void fail() {
    closeProgress();
    completeExceptionally(collected.exception("stopped at the first failure"));
    cancelInFlight();
  }

  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    if (cancelled) {
      closeProgress();
      cancelInFlight();
    }
    return cancelled;
  }

  private void cancelInFlight() {
    inFlight.values().forEach(TaskHandle::cancel);
  }

  private void closeProgress() {
    if (progress != null) {
      progress.close();
    }
  }

  @Override
  public long completedItems() {
    return completedItems.get();
  }

  @Override
  public long totalItems() {
    return items.size();
  }
}
