package dev.kapu.bench;

import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.flight.ClusterStatus;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Many separate submits: each call its own task and future, completed by a callback (nobody waits
 * on them one by one). The analogue of mirai's "one million promises"; where {@code map} batches
 * items into chunks, this is the cost of a task alone.
 */
final class SubmitBench {
  private SubmitBench() {}

  /**
   * Prints {@code submit_tasks_per_s} for {@code tasks} submits on the daemons of {@code session}
   * (closed at the end), and the CPU each task cost this JVM (client and dispatcher) and the
   * daemons. Untimed bursts of {@code warmup} submits come first, for at least {@code
   * warmupSeconds}: the daemons are new JVMs, and until their code is compiled the compiler's CPU
   * would count as the tasks' own (a long-lived daemon has compiled it long ago).
   */
  static void run(LocalKapu session, int warmup, double warmupSeconds, int tasks, TaskOptions options)
      throws InterruptedException {
    try (LocalKapu kapu = session) {
      long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
      do {
        burst(kapu, warmup, options);
      } while (System.nanoTime() < warmupEnd);
      List<Long> pids = kapu.status().daemons().stream().map(ClusterStatus.Daemon::pid).toList();
      BenchMain.print("submit_tasks", tasks);
      BenchMain.print("submit_daemons", pids.size());
      BenchMain.print("submit_slots_per_daemon", kapu.status().daemons().get(0).slots());
      timed(kapu, pids, tasks, options, "submit");
      // The same tasks declared never to block: the daemons run them on their network threads.
      TaskOptions neverBlocks = options.neverBlocks();
      burst(kapu, warmup, neverBlocks);
      timed(kapu, pids, tasks, neverBlocks, "submit_nonblocking");
    }
  }

  private static void timed(LocalKapu kapu, List<Long> pids, int tasks, TaskOptions options, String prefix)
      throws InterruptedException {
    CpuMeter cpu = CpuMeter.start(pids);
    long t0 = System.nanoTime();
    burst(kapu, tasks, options);
    double seconds = (System.nanoTime() - t0) / 1e9;
    BenchMain.print(prefix + "_tasks_per_s", Math.round(tasks / seconds));
    BenchMain.print(prefix + "_client_cpu_us_per_task", cpu.ownPerTaskMicros(tasks));
    BenchMain.print(prefix + "_daemons_cpu_us_per_task", cpu.othersPerTaskMicros(tasks));
    BenchMain.print(prefix + "_client_cpu_us_per_task_without_jit", cpu.ownPerTaskMicrosWithoutJit(tasks));
    BenchMain.print(prefix + "_daemons_cpu_us_per_task_without_jit", cpu.othersPerTaskMicrosWithoutJit(tasks));
  }

  /** Submits {@code n} tasks as fast as the session takes them; returns when every future has completed. */
  static void burst(Kapu kapu, int n, TaskOptions options) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(n);
    AtomicLong failed = new AtomicLong();
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    AtomicLong sum = new AtomicLong();
    for (int i = 0; i < n; i++) {
      kapu.submit(ctx -> 1, options).whenComplete((value, error) -> {
        if (error != null) {
          failed.incrementAndGet();
          firstError.compareAndSet(null, error);
        } else {
          sum.addAndGet(value);
        }
        done.countDown();
      });
    }
    if (!done.await(10, TimeUnit.MINUTES)) {
      throw new IllegalStateException(done.getCount() + " of " + n + " submitted tasks never completed");
    }
    if (failed.get() != 0 || sum.get() != n) {
      throw new IllegalStateException(failed.get() + " of " + n + " submitted tasks failed, the first with: "
          + firstError.get().getMessage(), firstError.get());
    }
  }
}
