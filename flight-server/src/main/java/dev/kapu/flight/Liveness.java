package dev.kapu.flight;

import java.time.Duration;

/**
 * How soon a silent peer is given up: the liveness bound. A daemon that the dispatcher does not
 * hear from for the bound (frozen, cut off, or gone without closing its connection) is declared
 * lost; a daemon that does not hear from its dispatcher for the bound leaves. Both sides send a
 * heartbeat every {@link #heartbeat()}, so several in a row may be late before anything happens.
 *
 * <p>gRPC keepalive closes dead connections underneath: a connection that has been silent for
 * {@link #keepAliveTime()} is pinged, and closed if the ping is not answered within {@link
 * #keepAliveTimeout()}. That takes longer than the bound, so a daemon is declared lost by the
 * bound, not by a broken connection, and a client of a remote dispatcher notices a dead one within
 * their sum.
 *
 * @param bound how long a peer may stay silent; at least one second
 */
public record Liveness(Duration bound) {
  /** Ten seconds. */
  public static final Liveness DEFAULT = new Liveness(Duration.ofSeconds(10));

  /** gRPC pings no more often than this (its floor), whatever the bound. */
  private static final Duration KEEPALIVE_FLOOR = Duration.ofSeconds(10);

  public Liveness {
    if (bound.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("the liveness bound must be at least 1 s, not " + bound.toMillis() + " ms");
    }
  }

  public static Liveness of(Duration bound) {
    return new Liveness(bound);
  }

  /** How often each side proves it is alive: a fifth of the bound. */
  public Duration heartbeat() {
    return bound.dividedBy(5);
  }

  /** Whether a peer last heard at {@code lastHeardNanos} has been silent too long at {@code nowNanos}. */
  public boolean silent(long lastHeardNanos, long nowNanos) {
    return nowNanos - lastHeardNanos >= bound.toNanos();
  }

  /** A connection with nothing to read for this long is pinged: the bound, and at least gRPC's floor of 10 s. */
  public Duration keepAliveTime() {
    return bound.compareTo(KEEPALIVE_FLOOR) < 0 ? KEEPALIVE_FLOOR : bound;
  }

  /** A ping not answered within this closes the connection: half the bound. */
  public Duration keepAliveTimeout() {
    return bound.dividedBy(2);
  }
}
