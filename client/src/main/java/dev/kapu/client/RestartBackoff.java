package dev.kapu.client;

import java.time.Duration;

/**
 * When to replace a daemon that died, for one line of daemons (a daemon and its replacements):
 * at once the first time, then after 1 s, doubling up to 30 s while they keep dying; a daemon that
 * ran for a minute before it died starts the count again. A crash loop (a resource that cannot
 * open, a poison task) thus costs at most one start per 30 s.
 */
final class RestartBackoff {
  static final Duration FIRST = Duration.ofSeconds(1);
  static final Duration MAX = Duration.ofSeconds(30);
  static final Duration STABLE = Duration.ofSeconds(60);

  private int deathsInARow;

  /** A daemon of this line died after running for {@code uptime}: how long until its replacement starts. */
  Duration afterDeath(Duration uptime) {
    if (uptime.compareTo(STABLE) >= 0) {
      deathsInARow = 0;
    }
    deathsInARow++;
    if (deathsInARow == 1) {
      return Duration.ZERO;
    }
    int doublings = Math.min(deathsInARow - 2, 30);
    Duration delay = FIRST.multipliedBy(1L << doublings);
    return delay.compareTo(MAX) > 0 ? MAX : delay;
  }

  /** Deaths counted since the line last ran stably, the latest included. */
  int deathsInARow() {
    return deathsInARow;
  }
}
