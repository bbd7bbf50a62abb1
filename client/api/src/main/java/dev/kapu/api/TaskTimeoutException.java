package dev.kapu.api;

/** The task ran past its timeout and its daemon stopped it. */
public class TaskTimeoutException extends KapuException {
  private static final long serialVersionUID = 1L;

  public TaskTimeoutException(String message) {
    super(message);
  }
}
