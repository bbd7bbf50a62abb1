package dev.kapu.api;

/** No connected daemon hosts the resource (or table) the task or query names. */
public class UnknownResourceException extends KapuException {
  private static final long serialVersionUID = 1L;

  public UnknownResourceException(String message) {
    super(message);
  }
}
