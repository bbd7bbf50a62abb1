package dev.kapu.flight.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.arrow.flight.OutboundStreamListener;

/**
 * Flow control for streams Kapu writes: a slow reader holds the writer back instead of filling
 * memory. Readiness is polled with a short back-off: Flight's own wait spins a core, and its
 * callback was seen to miss its wake-up.
 */
public final class Outbound {
  private Outbound() {}

  /** How long a reader may stop reading before the stream is given up. */
  public static final long STALL_MILLIS = 120_000;

  /**
   * Waits until {@code listener} can take another message; false if the other side went away
   * ({@code gone}) or stopped reading for {@link #STALL_MILLIS}.
   */
  public static boolean awaitReady(OutboundStreamListener listener, BooleanSupplier gone)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS);
    long pause = 10_000; // ns; backs off to 1 ms
    while (!listener.isReady()) {
      if (gone.getAsBoolean() || System.nanoTime() > deadline) {
        return false;
      }
      TimeUnit.NANOSECONDS.sleep(pause);
      pause = Math.min(pause * 2, 1_000_000);
    }
    return !gone.getAsBoolean();
  }
}
