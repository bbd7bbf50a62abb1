package dev.kapu.flight;

/**
 * How a task ended.
 *
 * @param kind what happened
 * @param payload the encoded result for {@link Kind#SUCCEEDED} and {@link Kind#FAILED}, else empty
 * @param message a human explanation for the other kinds
 * @param daemonId the daemon that ran (or was running) the task; empty if none did
 */
public record TaskOutcome(Kind kind, byte[] payload, String message, String daemonId) {

  public enum Kind {
    /** The task ran; the payload holds its result. */
    SUCCEEDED,
    /** The task ran and threw, or its result could not be encoded; the payload holds the error. */
    FAILED,
    CANCELLED,
    /** The task ran past its timeout and was stopped. */
    TIMED_OUT,
    /** The daemon running it exited or disconnected, and no retries were left. */
    DAEMON_LOST,
    /** Daemons are connected, but none hosts the resources the task names. */
    UNROUTABLE,
    /** This client lost its connection to the dispatcher. */
    CONNECTION_LOST
  }

  private static final byte[] NONE = new byte[0];

  public static TaskOutcome of(Kind kind, String message, String daemonId) {
    return new TaskOutcome(kind, NONE, message, daemonId);
  }
}
