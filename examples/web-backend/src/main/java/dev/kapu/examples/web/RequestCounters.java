package dev.kapu.examples.web;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Requests in progress (received, not yet answered), the most there were at once, and how many were answered. */
final class RequestCounters {
  private final AtomicInteger inProgress = new AtomicInteger();
  private final AtomicInteger mostInProgress = new AtomicInteger();
  private final LongAdder answered = new LongAdder();

  void started() {
    mostInProgress.accumulateAndGet(inProgress.incrementAndGet(), Math::max);
  }

  void finished() {
    inProgress.decrementAndGet();
    answered.increment();
  }

  int inProgress() {
    return inProgress.get();
  }

  int mostInProgress() {
    return mostInProgress.get();
  }

  long answered() {
    return answered.sum();
  }
}
