package dev.kapu.api;

/** This client lost its connection to the dispatcher before the task's outcome arrived. */
public class ConnectionLostException extends KapuException {
  private static final long serialVersionUID = 1L;

  public ConnectionLostException(String message) {
    super(message);
  }
}
