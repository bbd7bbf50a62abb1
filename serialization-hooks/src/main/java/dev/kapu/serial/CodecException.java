package dev.kapu.serial;

/** A value could not be encoded or decoded; the message names the codec and the value's type. */
public class CodecException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CodecException(String message) {
    super(message);
  }

  public CodecException(String message, Throwable cause) {
    super(message, cause);
  }
}
