package dev.kapu.client.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A controller's launch bookkeeping: worker names, how many were launched and failed, and the run
 * of failures that drives back-off and giving up ({@link ScalingDecision}). Thread-safe.
 */
final class LaunchBook {
  private final String controller;
  private long sequence;
  private long launched;
  private long failed;
  private int failuresInARow;
  private long backoffMillis;
  private OptionalLong backoffUntil = OptionalLong.empty();
  private String lastFailure;

  LaunchBook(String controller) {
    this.controller = controller;
  }

  /** Names for {@code n} new workers: {@code controller-1}, {@code controller-2}, ... */
  synchronized List<String> nextIds(int n) {
    List<String> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(controller + "-" + (++sequence));
    }
    return ids;
  }

  synchronized void launched(int n) {
    launched += n;
  }

  /** A request to launch {@code n} workers failed outright. */
  synchronized void requestFailed(int n, String why, long now) {
    failed += n;
    failure(why, now);
  }

  /** A launched worker will never connect. */
  synchronized void workerFailed(String id, String why, long now) {
    failed++;
    failure("worker " + id + ": " + why, now);
  }

  private void failure(String why, long now) {
    failuresInARow++;
    lastFailure = why;
    backoffMillis = ScalingDecision.nextBackoffMillis(backoffMillis);
    backoffUntil = OptionalLong.of(now + TimeUnit.MILLISECONDS.toNanos(backoffMillis));
  }

  /** A worker connected: launches work, so the failures in a row and the back-off end. */
  synchronized void workerConnected() {
    failuresInARow = 0;
    backoffMillis = 0;
    backoffUntil = OptionalLong.empty();
  }

  synchronized ScalingDecision.Failures failures() {
    return new ScalingDecision.Failures(failuresInARow, backoffUntil);
  }

  /** The controller gave up on the failures so far: the reason, and the count starts again. */
  synchronized String giveUp() {
    String reason = failuresInARow + " launches in a row failed; the last: " + lastFailure;
    failuresInARow = 0;
    return reason;
  }

  synchronized long launched() {
    return launched;
  }

  synchronized long failed() {
    return failed;
  }

  synchronized String lastFailure() {
    return lastFailure;
  }
}
