package dev.kapu.client;

import dev.kapu.api.MapException;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.TaskTimeoutException;
import dev.kapu.serial.ResultEnvelope;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A map's results in input order, whatever order its chunks come back in, and its failures by
 * item index. Chunks fill disjoint ranges, so they may record from several threads at once.
 */
final class MapItems {
  private final Object[] results;
  private final ConcurrentSkipListMap<Integer, Throwable> failures = new ConcurrentSkipListMap<>();

  MapItems(int items) {
    this.results = new Object[items];
  }

  /** A chunk's entries, the first of which is item {@code from}. */
  void record(int from, List<ResultEnvelope.Entry> entries) {
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

  /** Item {@code item} failed with {@code error} (for a whole chunk: its first item). */
  void fail(int item, Throwable error) {
    failures.put(item, error);
  }

  /** Items {@code from} (inclusive) to {@code to} (exclusive) failed with {@code error}. */
  void fail(int from, int to, Throwable error) {
    for (int i = from; i < to; i++) {
      failures.put(i, error);
    }
  }

  boolean anyFailed() {
    return !failures.isEmpty();
  }

  int failed() {
    return failures.size();
  }

  /** The results in input order; null where an item failed or has not come back. */
  List<Object> results() {
    return Arrays.asList(results);
  }

  /** The map's exception: {@code what}, then the first failed item and why. */
  MapException exception(String what) {
    Map.Entry<Integer, Throwable> first = failures.firstEntry();
    return new MapException(what + "; item " + first.getKey() + " failed: " + first.getValue().getMessage(),
        failures, results());
  }
}
