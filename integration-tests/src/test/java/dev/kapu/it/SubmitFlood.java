package dev.kapu.it;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.kapu.bench.ChildJvm;
import dev.kapu.bench.HeapSampler;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.TaskFuture;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * A client that submits many tasks, each capturing an array of its own, to two local daemons that
 * are busy when it starts: run in a JVM of its own with a small heap ({@link BackpressureTest}).
 * Prints {@code result key=value...} when every task has completed.
 *
 * <p>Arguments: tasks, bytes each task captures, and optionally the queue budget in bytes.
 */
public final class SubmitFlood {
  private SubmitFlood() {}

  public static void main(String[] args) throws Exception {
    ChildJvm.exitWithParent();
    watchCollections();
    int tasks = Integer.parseInt(args[0]);
    int bytes = Integer.parseInt(args[1]);
    Kapu.Builder builder = Kapu.builder().daemons(2);
    if (args.length > 2) {
      builder.queueBudget(Long.parseLong(args[2]));
    }
    try (LocalKapu kapu = builder.local(); HeapSampler heap = HeapSampler.start()) {
      // both daemons busy: every task below waits at first
      List<TaskFuture<Integer>> busy = List.of(kapu.submit(SubmitFlood::pause), kapu.submit(SubmitFlood::pause));
      long started = System.nanoTime();
      long blockedNanos = 0;
      List<TaskFuture<Integer>> futures = new ArrayList<>(tasks);
      for (int i = 0; i < tasks; i++) {
        byte[] captured = new byte[bytes];
        captured[0] = (byte) i;
        captured[bytes - 1] = 1;
        long before = System.nanoTime();
        futures.add(kapu.submit(ctx -> captured[0] + captured[captured.length - 1]));
        blockedNanos += System.nanoTime() - before;
      }
      long submitted = System.nanoTime();
      long completed = 0;
      for (int i = 0; i < tasks; i++) {
        int expected = (byte) i + 1;
        if (futures.get(i).join() != expected) {
          throw new IllegalStateException("task " + i + " answered " + futures.get(i).join());
        }
        completed++;
        futures.set(i, null); // done with: the caller's own list must not be what fills the heap
      }
      busy.forEach(TaskFuture::join);
      long done = System.nanoTime();
      System.out.printf(Locale.ROOT, "result completed=%d submit_seconds=%.1f total_seconds=%.1f"
          + " time_in_submit_seconds=%.1f peak_heap_mb=%.1f peak_heap_after_gc_mb=%.1f max_heap_mb=%.1f%n",
          completed, (submitted - started) / 1e9, (done - started) / 1e9, blockedNanos / 1e9, heap.stop(),
          peakAfterGc() / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
    }
  }

  private static int pause(dev.kapu.api.TaskContext ctx) throws InterruptedException {
    Thread.sleep(3_000);
    return 0;
  }

  /** The most heap in use right after a collection, over every collection since start: what the client kept. */
  private static final AtomicLong PEAK_AFTER_GC = new AtomicLong();

  private static void watchCollections() {
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
        if (notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
          GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
              (CompositeData) notification.getUserData());
          long after = info.getGcInfo().getMemoryUsageAfterGc().values().stream().mapToLong(MemoryUsage::getUsed).sum();
          PEAK_AFTER_GC.accumulateAndGet(after, Math::max);
        }
      }, null, null);
    }
  }

  private static long peakAfterGc() {
    return PEAK_AFTER_GC.get();
  }
}
