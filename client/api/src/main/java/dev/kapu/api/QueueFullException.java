package dev.kapu.api;

/**
 * A task was refused at once because the session's queue budget was spent (see {@link
 * Kapu.Builder#queueBudget} and {@link Kapu.QueueFull#FAIL}): nothing was queued.
 */
public class QueueFullException extends KapuException {
  private static final long serialVersionUID = 1L;

  public QueueFullException(String message) {
    super(message);
  }
}
