package dev.kapu.api;

/** Base of every error Kapu reports for a task. */
public class KapuException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KapuException(String message) {
    super(message);
  }

  public KapuException(String message, Throwable cause) {
    super(message, cause);
  }
}
