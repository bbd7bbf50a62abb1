package dev.kapu.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Times several ways of making a round trip in turn: every round times a block of each way one
 * after the other, so that a change in a shared machine's load
 * falls on all of them alike instead of on whichever ran at the time (as {@link
 * BenchTable#measureInTurn} does for streams).
 */
final class RoundTripsInTurn {
  /** Round trips per way in a round: long enough for a steady rate, short enough to follow the load. */
  static final int BLOCK = 1_000;

  private final long[][] nanos;

  private RoundTripsInTurn(long[][] nanos) {
    this.nanos = nanos;
  }

  /** Makes {@code warmups[w]} untimed round trips of each way {@code w}, so that every JIT has compiled its path. */
  static void warmUp(List<? extends RoundTrip> ways, int[] warmups) throws Exception {
    for (int w = 0; w < ways.size(); w++) {
      for (int i = 0; i < warmups[w]; i++) {
        ways.get(w).once();
      }
    }
  }

  /** Times {@code count} round trips of each way, in rounds of {@link #BLOCK} of each in turn. */
  static RoundTripsInTurn measure(List<? extends RoundTrip> ways, int count) throws Exception {
    long[][] nanos = new long[ways.size()][count];
    for (int start = 0; start < count; start += BLOCK) {
      int end = Math.min(count, start + BLOCK);
      for (int w = 0; w < ways.size(); w++) {
        RoundTrip way = ways.get(w);
        for (int i = start; i < end; i++) {
          long t0 = System.nanoTime();
          way.once();
          nanos[w][i] = System.nanoTime() - t0;
        }
      }
    }
    return new RoundTripsInTurn(nanos);
  }

  /** The timed round trips of way {@code w}, in nanoseconds, in the order they were made. */
  long[] of(int w) {
    return nanos[w];
  }

  /**
   * The ratio of way {@code a}'s median to way {@code b}'s, round by round, sorted: its spread says
   * how far the load moved the comparison while it ran.
   */
  double[] ratioByRound(int a, int b) {
    int rounds = (nanos[a].length + BLOCK - 1) / BLOCK;
    double[] ratios = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      int from = r * BLOCK;
      int to = Math.min(nanos[a].length, from + BLOCK);
      ratios[r] = Stats.p50(Arrays.copyOfRange(nanos[a], from, to))
          / Stats.p50(Arrays.copyOfRange(nanos[b], from, to));
    }
    Arrays.sort(ratios);
    return ratios;
  }
}
