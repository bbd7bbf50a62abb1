package dev.kapu.daemon.spi;

/**
 * A statement refused for a caller who may only read: it could change something, or the
 * resource cannot promise that it would not. The message says which.
 */
public class ReadOnlyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ReadOnlyException(String message) {
    super(message);
  }
}
