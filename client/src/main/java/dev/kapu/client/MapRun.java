package dev.kapu.client;

import dev.kapu.api.MapException;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.TaskTimeoutException;

import dev.kapu.api.MapOptions;

import dev.kapu.api.MapFunction;
import dev.kapu.flight.TaskHandle;
import dev.kapu.flight.TaskOutcome;
import dev.kapu.serial.EncodedBytes;
import dev.kapu.serial.ResultEnvelope;
import dev.kapu.serial.TaskEnvelope;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * A map in flight. Items travel in chunks, and only a window of chunks is in flight at once, so
 * a map over millions of items costs the client a few chunks' worth of encoded items, not all.
 */
final class MapRun<R> extends MapJob<R> {
  /** A chunk should take long enough to amortise a round trip, and there should be enough of them to balance. */
  private static final int MAX_AUTO_CHUNK = 1024;
  private static final int CHUNKS_PER_SLOT = 8;

  private final Session session;
  private final List<?> items;
  private final MapFunction<?, ?> fn;
  private final MapOptions options;
  private final long sequence;
  private final int chunkSize;
  private final int chunks;
  private final int window;
  private final Object[] results;
  private final ConcurrentSkipListMap<Integer, Throwable> failures = new ConcurrentSkipListMap<>();
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
    this.chunkSize = options.chunkSize() > 0
        ? options.chunkSize()
        : (int) Math.max(1, Math.min(MAX_AUTO_CHUNK, (long) n / ((long) slots * CHUNKS_PER_SLOT)));
    this.chunks = (int) ((n + (long) chunkSize - 1) / chunkSize);
    this.window = Math.max(4, slots * 4);
    this.results = new Object[n];
    this.progress = options.progress() && n > 0
        ? new ProgressBarBuilder().setTaskName("kapu map").setInitialMax(n).setUpdateIntervalMillis(250).build()
        : null;
  }

  void start() {
    if (chunks == 0) {
      finish();
      return;
    }
    for (int i = 0; i < Math.min(window, chunks); i++) {
      submitNext();
    }
  }

  private void submitNext() {
    int c = nextChunk.getAndIncrement();
    if (c >= chunks || isDone()) {
      return;
    }
    int from = c * chunkSize;
    int to = Math.min(items.size(), from + chunkSize);
    EncodedBytes envelope;
    try {
      envelope = TaskEnvelope.map(fn, items.subList(from, to), session.seed(), sequence, from)
          .encode(session.codecs());
    } catch (RuntimeException e) {
      failures.put(from, e);
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
          failures.put(from, Session.unwrap(error));
        } else {
          record(entries, from);
        }
        chunkDone(from, to);
      });
    } else {
      Throwable error = Session.error(outcome);
      for (int i = from; i < to; i++) {
        failures.put(i, error);
      }
      chunkDone(from, to);
    }
  }

  private void record(List<ResultEnvelope.Entry> entries, int from) {
    for (int i = 0; i < entries.size(); i++) {
      ResultEnvelope.Entry e = entries.get(i);
      if (e.failed()) {
        failures.put(from + i, e.error().timedOut()
            ? new TaskTimeoutException("item " + (from + i) + " " + e.error().message())
            : new RemoteTaskException(e.error()));
      } else {
        results[from + i] = e.value();
      }
    }
  }

  private void chunkDone(int from, int to) {
    completedItems.addAndGet(to - from);
    if (progress != null) {
      progress.stepBy(to - from);
    }
    if (!failures.isEmpty() && options.stopOnFirstError()) {
      fail();
    } else if (finishedChunks.incrementAndGet() == chunks) {
      finish();
    } else {
      submitNext();
    }
  }

  @SuppressWarnings("unchecked")
  private void finish() {
    closeProgress();
    if (failures.isEmpty()) {
      complete((List<R>) Arrays.asList(results));
    } else {
      completeExceptionally(new MapException(describe(failures.size() + " of " + items.size()
          + " items failed"), failures, Arrays.asList(results)));
    }
  }

  private void fail() {
    closeProgress();
    completeExceptionally(new MapException(describe("stopped at the first failure"), failures,
        Arrays.asList(results)));
    cancelInFlight();
  }

  private String describe(String what) {
    Map.Entry<Integer, Throwable> first = failures.firstEntry();
    return what + "; item " + first.getKey() + " failed: " + first.getValue().getMessage();
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
