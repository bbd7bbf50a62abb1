package dev.kapu.api;

import dev.kapu.serial.ErrorCategory;
import dev.kapu.serial.RemoteError;

/**
 * A task threw on its daemon. The message starts with the remote exception's class (except for
 * Kapu's codec errors, whose messages say what to do on their own), the stack trace is the remote
 * one, and remote causes become causes.
 */
public class RemoteTaskException extends KapuException {
  private static final long serialVersionUID = 1L;

  private final String remoteClassName;
  private final String remoteMessage;
  private final ErrorCategory category;

  public RemoteTaskException(RemoteError error) {
    super(messageOf(error),
        error.cause() != null ? new RemoteTaskException(error.cause()) : null);
    this.remoteClassName = error.className();
    this.remoteMessage = error.message();
    this.category = error.category();
    setStackTrace(error.stackTrace().toArray(StackTraceElement[]::new));
  }

  /** A codec's error (a class the daemon lacks, a refused gadget) is the user's to act on: its own words. */
  private static String messageOf(RemoteError error) {
    if (error.message() != null && error.className().equals("dev.kapu.serial.CodecException")) {
      return error.message();
    }
    return error.className() + (error.message() != null ? ": " + error.message() : "");
  }

  /** The class of the exception the task threw, for example {@code java.lang.ArithmeticException}. */
  public String remoteClassName() {
    return remoteClassName;
  }

  /** Its message, or null. */
  public String remoteMessage() {
    return remoteMessage;
  }

  /**
   * What the daemon judged the failure to be when a database raised it (a statement's mistake, an
   * unknown name, a refusal by rights ...); null for any other exception.
   */
  public ErrorCategory category() {
    return category;
  }
}
