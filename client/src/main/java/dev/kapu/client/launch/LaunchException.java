package dev.kapu.client.launch;

import dev.kapu.api.KapuException;

/** A launcher could not start workers: the message says what it ran and what came back. */
public class LaunchException extends KapuException {
  private static final long serialVersionUID = 1L;

  public LaunchException(String message) {
    super(message);
  }

  public LaunchException(String message, Throwable cause) {
    super(message, cause);
  }
}
