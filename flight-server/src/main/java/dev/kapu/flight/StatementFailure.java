package dev.kapu.flight;

import dev.kapu.serial.ErrorCategory;

/**
 * A statement (or another call) that failed where it ran, with the category its source gave the
 * failure and a message fit for the client: the database's own words and Kapu's context, no Java
 * class names. Backends throw it; {@link ErrorStatuses} turns it into a Flight status.
 */
public class StatementFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCategory category;

  /**
   * @param category what the source judged the failure to be; null for a fault of Kapu's own
   * @param message what the client is told
   */
  public StatementFailure(ErrorCategory category, String message, Throwable cause) {
    super(message, cause);
    this.category = category;
  }

  /** The source's judgement, or null for a fault of Kapu's own. */
  public ErrorCategory category() {
    return category;
  }
}
