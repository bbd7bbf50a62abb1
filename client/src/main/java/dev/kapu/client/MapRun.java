package dev.kapu.client;

import dev.kapu.api.MapFunction;
import dev.kapu.api.MapOptions;
import dev.kapu.flight.TaskHandle;
import dev.kapu.flight.TaskOutcome;
import dev.kapu.serial.EncodedBytes;
import dev.kapu.serial.TaskEnvelope;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * A map in flight. Items travel in chunks, and only a window of chunks is in flight at once, so
 * a map over millions of items costs the client a few chunks' worth of encoded items, not all.
 */
final class MapRun<R> extends MapJob<R> {
  private final Session session;
  private final List<?> items;
  private final MapFunction<?, ?> fn;
  private final MapOptions options;
  private final long sequence;
  private final MapChunks chunks;
  private final MapItems collected;
  private final Map<Integer, TaskHandle> inFlight = new ConcurrentHashMap<>();
  private final AtomicInteger nextChunk = new AtomicInteger();
  private final AtomicInteger finishedChunks = new AtomicInteger();
  private final AtomicLong completedItems = new AtomicLong();
  private final ProgressBar progress;

  MapRun(Session session, List<?> items, MapFunction<?, ?> fn, MapOptions options, long sequence,
      int slots) {
    this.session = session;
    this.items = items;
    this.fn = fn;
    this.options = options;
    this.sequence = sequence;
    int n = items.size();
    this.chunks = MapChunks.plan(n, options.chunkSize(), slots);
    this.collected = new MapItems(n);
    this.progress = options.progress() && n > 0
        ? new ProgressBarBuilder().setTaskName("kapu map").setInitialMax(n).setUpdateIntervalMillis(250).build()
        : null;
  }

  void start() {
    if (chunks.count() == 0) {
      finish();
      return;
    }
    for (int i = 0; i < Math.min(chunks.window(), chunks.count()); i++) {
      submitNext();
    }
  }

  private void submitNext() {
    int c = nextChunk.getAndIncrement();
    if (c >= chunks.count() || isDone()) {
      return;
    }
    int from = chunks.from(c);
    int to = chunks.to(c);
    EncodedBytes envelope;
    try {
      envelope = TaskEnvelope.map(fn, items.subList(from, to), session.seed(), sequence, from)
          .encode(session.codecs());
    } catch (RuntimeException e) {
      collected.fail(from, e);
      fail();
      return;
    }
    session.send(envelope, Map.of(), options.task(), to - from, (outcome, last) -> onChunk(c, from, to, outcome), handle -> {
      inFlight.put(c, handle);
      if (isDone()) {
        handle.cancel(); // failed or cancelled while this chunk was being sent
      }
    });
  }

  private void onChunk(int c, int from, int to, TaskOutcome outcome) {
    inFlight.remove(c);
    if (isDone()) {
      return;
    }
    if (outcome.kind() == TaskOutcome.Kind.SUCCEEDED || outcome.kind() == TaskOutcome.Kind.FAILED) {
      session.results(outcome).whenComplete((entries, error) -> {
        if (error != null) {
          collected.fail(from, Session.unwrap(error));
        } else {
          collected.record(from, entries);
        }
        chunkDone(from, to);
      });
    } else {
      collected.fail(from, to, Session.error(outcome));
      chunkDone(from, to);
    }
  }

  private void chunkDone(int from, int to) {
    completedItems.addAndGet(to - from);
    if (progress != null) {
      progress.stepBy(to - from);
    }
    if (collected.anyFailed() && options.stopOnFirstError()) {
      fail();
    } else if (finishedChunks.incrementAndGet() == chunks.count()) {
      finish();
    } else {
      submitNext();
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
