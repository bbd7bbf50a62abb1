package dev.kapu.client.controller;

import dev.kapu.client.LocalKapu;
import dev.kapu.client.launch.Launch;
import dev.kapu.client.launch.LaunchRequest;
import dev.kapu.client.launch.Launcher;
import dev.kapu.client.launch.WorkerCommand;
import dev.kapu.flight.ClusterStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller's autoscaling thread: every {@code interval}, and soon after new work arrives, it
 * reads the dispatcher's status into the {@link WorkerTable}, asks {@link ScalingDecision} what to
 * do, and does it: stops launches that never connected, launches the missing workers, or gives up
 * on pushed tasks when launches keep failing.
 */
final class Autoscaler {
  private static final Logger log = LoggerFactory.getLogger(Autoscaler.class);
  private static final long WAKE_DELAY_MILLIS = 15;

  private final String name;
  private final LocalKapu kapu;
  private final Launcher launcher;
  private final WorkerCommand command;
  private final Path directory;
  private final ScalingDecision.Limits limits;
  private final WorkerTable workers;
  private final LaunchBook book;
  private final NamedTasks named;
  private final ScheduledThreadPoolExecutor loop;
  private final AtomicBoolean wakeQueued = new AtomicBoolean();
  private volatile Thread loopThread;
  private volatile ClusterStatus lastStatus = new ClusterStatus(0, 0, 0, List.of(), List.of());

  Autoscaler(String name, LocalKapu kapu, Launcher launcher, WorkerCommand command, Path directory,
      ScalingDecision.Limits limits, WorkerTable workers, LaunchBook book, NamedTasks named) {
    this.name = name;
    this.kapu = kapu;
    this.launcher = launcher;
    this.command = command;
    this.directory = directory;
    this.limits = limits;
    this.workers = workers;
    this.book = book;
    this.named = named;
    this.loop = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "kapu-controller-" + name);
      t.setDaemon(true);
      loopThread = t;
      return t;
    });
    loop.setRemoveOnCancelPolicy(true);
  }

  void start(Duration interval) {
    loop.scheduleWithFixedDelay(this::round, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The dispatcher's status as the last round read it. */
  ClusterStatus lastStatus() {
    return lastStatus;
  }

  /**
   * Runs a round shortly, on the controller's thread. The short delay lets a burst of pushes land
   * first, so that one launch (one job array) covers them.
   */
  void wake() {
    if (!named.closed() && wakeQueued.compareAndSet(false, true)) {
      try {
        loop.schedule(() -> {
          wakeQueued.set(false);
          round();
        }, WAKE_DELAY_MILLIS, TimeUnit.MILLISECONDS);
      } catch (RuntimeException e) {
        wakeQueued.set(false); // shutting down
      }
    }
  }

  /** A round on the controller's thread, waited for (briefly). */
  void refresh() {
    if (named.closed()) {
      return;
    }
    if (Thread.currentThread() == loopThread) {
      round();
      return;
    }
    try {
      loop.submit(this::round).get(1, TimeUnit.SECONDS);
    } catch (RejectedExecutionException | TimeoutException | ExecutionException e) {
      // closing, or busy launching: the last round's view will do
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the thread, waiting for a round under way. */
  void stop() {
    loop.shutdownNow();
    try {
      loop.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void round() {
    if (named.closed()) {
      return;
    }
    try {
      scale();
    } catch (RuntimeException e) {
      if (!named.closed()) {
        log.warn("controller {}: autoscaling round failed: {}", name, e.toString(), e);
      }
    }
  }

  private void scale() {
    ClusterStatus status = kapu.status();
    lastStatus = status;
    long now = System.nanoTime();
    WorkerTable.Observed observed = workers.observe(status, now);
    long executing = 0;
    for (ClusterStatus.Daemon d : status.daemons()) {
      if (!d.draining()) {
        executing += d.executing();
      }
    }
    ScalingDecision.Outcome outcome = ScalingDecision.decide(
        new ScalingDecision.Demand(status.awaiting(), executing), observed.supply(), book.failures(), limits, now);
    List<Runnable> stops = new ArrayList<>(observed.stops());
    stops.addAll(workers.timedOut(outcome.stop(), seconds(limits.launchTimeoutNanos()), now));
    stops.forEach(Runnable::run);
    if (outcome.giveUp()) {
      named.failWaiting(book.giveUp());
    } else if (outcome.launch() > 0 && !named.closed()) {
      launch(outcome.launch());
    }
  }

  /** Launches {@code n} workers in one request. */
  private void launch(int n) {
    List<String> ids = book.nextIds(n);
    Launch launch;
    try {
      launch = launcher.launch(new LaunchRequest(name, ids, command, directory));
    } catch (RuntimeException e) {
      log.warn("controller {}: launching {} worker(s) with {} failed: {}", name, n, launcher.name(), e.getMessage());
      book.requestFailed(n, e.getMessage(), System.nanoTime());
      return;
    }
    workers.launched(ids, launch, System.nanoTime());
    book.launched(n);
    log.debug("controller {}: launched {} with {}", name, ids, launcher.name());
    if (named.closed()) {
      launch.terminateAll();
    }
  }

  private static String seconds(long nanos) {
    double s = nanos / 1e9;
    return s == Math.rint(s) ? String.format("%.0f s", s) : String.format("%.1f s", s);
  }
}
