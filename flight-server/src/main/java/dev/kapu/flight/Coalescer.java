package dev.kapu.flight;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Messages from many threads written as few: a thread that {@link #add adds} one becomes the
 * writer unless another thread already is; the writer {@link #takeAll takes everything queued}
 * and writes it as one batch, and goes on while more came meanwhile ({@link #release}). Nothing
 * waits for a timer: a message alone leaves at once, and messages that arrive while one is being
 * written leave together right after it ("write what is queued, then flush once").
 *
 * <p>The writer's loop, with {@code write} taking the batch under whatever lock guards the
 * stream:
 *
 * <pre>{@code
 * if (coalescer.add(message)) {
 *   do {
 *     write(coalescer.takeAll());
 *   } while (coalescer.release());
 * }
 * }</pre>
 *
 * <p>What is queued is bounded by what the adders bound: here, a daemon's running tasks and its
 * few control messages.
 */
final class Coalescer<T> {
  private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean writing = new AtomicBoolean();

  /** Queues {@code item}; true if the caller is now the writer and must run the loop. */
  boolean add(T item) {
    queue.add(item);
    return writing.compareAndSet(false, true);
  }

  /** Everything queued, in the order it was added; empty if nothing is. */
  List<T> takeAll() {
    List<T> batch = new ArrayList<>();
    for (T item = queue.poll(); item != null; item = queue.poll()) {
      batch.add(item);
    }
    return batch;
  }

  /**
   * The writer is done with a batch: true if more was queued meanwhile and the caller stays the
   * writer (then it writes again), false if it is no longer the writer.
   */
  boolean release() {
    writing.set(false);
    // An item added after the last takeAll() whose adder saw this writer busy: take it on.
    return !queue.isEmpty() && writing.compareAndSet(false, true);
  }
}
