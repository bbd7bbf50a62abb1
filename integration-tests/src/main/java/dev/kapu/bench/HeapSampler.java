package dev.kapu.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The peak used heap of this JVM while a benchmark runs, sampled every 20 ms.
 *
 * <p>Used heap includes garbage not yet collected, so the peak says as much about the collector's
 * timing as about live data: compare it only between runs with the same heap settings. Sampling
 * can also miss a spike shorter than 20 ms; that is the price of a measurement that costs the
 * measured code almost nothing (one read of a memory counter per 20 ms, on a daemon thread).
 */
public final class HeapSampler implements AutoCloseable {

  private static final long INTERVAL_MILLIS = 20;
  private static final double BYTES_PER_MB = 1024.0 * 1024.0;

  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final AtomicLong peakBytes = new AtomicLong();
  private final Thread sampler;

  private HeapSampler() {
    sampler = new Thread(this::sampleUntilInterrupted, "heap sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** Starts sampling now. */
  public static HeapSampler start() {
    return new HeapSampler();
  }

  /**
   * Stops sampling, if not stopped yet, and returns the peak used heap seen since {@link #start()},
   * in MB (2^20 bytes) with one decimal.
   */
  public double stop() {
    sampler.interrupt();
    try {
      sampler.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return toMb(peakBytes.get());
  }

  /** Stops sampling, for try-with-resources; {@link #stop()} still returns the peak afterwards. */
  @Override
  public void close() {
    stop();
  }

  private void sampleUntilInterrupted() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        sample();
        Thread.sleep(INTERVAL_MILLIS);
      }
    } catch (InterruptedException e) {
      // stop() was called.
    }
    sample();
  }

  private void sample() {
    long used = memory.getHeapMemoryUsage().getUsed();
    peakBytes.accumulateAndGet(used, Math::max);
  }

  private static double toMb(long bytes) {
    return Math.round(bytes / BYTES_PER_MB * 10) / 10.0;
  }
}
