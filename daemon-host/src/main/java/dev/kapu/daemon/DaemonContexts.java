package dev.kapu.daemon;

import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/** The task context implementation and the thread's current one. */
final class DaemonContexts {
  static final ThreadLocal<TaskContext> CURRENT = new ThreadLocal<>();

  private DaemonContexts() {}

  static TaskContext create(
      String daemonId,
      ConcurrentMap<String, Object> state,
      long seed,
      long sequence,
      long index,
      BooleanSupplier stopRequested) {
    return new TaskContext() {
      private RandomGenerator random;

      @Override
      public RandomGenerator random() {
        if (random == null) {
          random = new SplittableRandom(streamSeed(seed, sequence, index));
        }
        return random;
      }

      @Override
      public ConcurrentMap<String, Object> state() {
        return state;
      }

      @Override
      public String daemonId() {
        return daemonId;
      }

      @Override
      public boolean stopRequested() {
        return stopRequested.getAsBoolean() || Thread.currentThread().isInterrupted();
      }
    };
  }

  /** Mixes the three coordinates so that neighbouring streams are unrelated (SplitMix64's finaliser). */
  static long streamSeed(long seed, long sequence, long index) {
    long x = mix(seed + 0x9E3779B97F4A7C15L);
    x = mix(x ^ (sequence * 0xBF58476D1CE4E5B9L));
    return mix(x ^ (index * 0x94D049BB133111EBL));
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
