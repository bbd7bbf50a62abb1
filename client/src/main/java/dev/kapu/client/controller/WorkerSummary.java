package dev.kapu.client.controller;

import java.time.Instant;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * One worker of a controller, as {@link Controller#summary()} last saw it. Counts come from the
 * dispatcher, which the controller samples every autoscaling round (100 ms by default): busy
 * seconds are the rounds in which the worker was running at least one task, so they are accurate
 * to a round. CPU and memory are what the worker measured of its own process, on whatever host it
 * runs, and sent with its hello and every heartbeat (a fifth of the liveness bound), so they lag
 * by up to one heartbeat. A session crew ({@link Crew#of}) lists the daemons connected now, with no
 * busy seconds.
 *
 * @param id the worker's name (also its daemon id)
 * @param state where it is in its life
 * @param host the host it reported, once connected
 * @param pid its process id there, once connected; 0 before
 * @param launchedAt when it was launched; null for a daemon this controller did not launch
 * @param connectedAt when it connected; null if it never did
 * @param endedAt when it left, was lost or was given up on; null while it lives
 * @param tasks tasks it finished (any outcome)
 * @param errors tasks that did not succeed on it
 * @param crashes tasks that were running on it when it died
 * @param secondsBusy time during which it ran at least one task
 * @param cpuSeconds CPU time its process used, as it last reported; empty before its first report
 * @param memoryBytes its resident memory, as it last reported; empty before its first report or
 *     where the worker's host has no {@code /proc}
 * @param peakMemoryBytes the most resident memory its process held (the operating system's own peak)
 * @param note why it ended, or what went wrong starting it
 */
public record WorkerSummary(
    String id,
    State state,
    String host,
    long pid,
    Instant launchedAt,
    Instant connectedAt,
    Instant endedAt,
    long tasks,
    long errors,
    long crashes,
    double secondsBusy,
    OptionalDouble cpuSeconds,
    OptionalLong memoryBytes,
    OptionalLong peakMemoryBytes,
    String note) {

  /** A worker's life. */
  public enum State {
    /** Launched, not yet connected, still inside its connect window. */
    LAUNCHING,
    CONNECTED,
    /** Leaving on its own (idle, wall time, task limit): finishing what it runs, taking nothing new. */
    DRAINING,
    /** Left cleanly. */
    EXITED,
    /** Disconnected without leaving: it crashed, was killed, or its link broke. */
    LOST,
    /** Never connected: its launch failed, it died first, or its connect window ran out. */
    FAILED;

    public boolean live() {
      return this == LAUNCHING || this == CONNECTED || this == DRAINING;
    }
  }
}
