package dev.kapu.client;

import dev.kapu.serial.RemoteError;

/**
 * A task threw on its daemon. The message starts with the remote exception's class, the stack
 * trace is the remote one, and remote causes become causes.
 */
public class RemoteTaskException extends KapuException {
  private static final long serialVersionUID = 1L;

  private final String remoteClassName;
  private final String remoteMessage;

  public RemoteTaskException(RemoteError error) {
    super(error.className() + (error.message() != null ? ": " + error.message() : ""),
        error.cause() != null ? new RemoteTaskException(error.cause()) : null);
    this.remoteClassName = error.className();
    this.remoteMessage = error.message();
    setStackTrace(error.stackTrace().toArray(StackTraceElement[]::new));
  }

  /** The class of the exception the task threw, for example {@code java.lang.ArithmeticException}. */
  public String remoteClassName() {
    return remoteClassName;
  }

  /** Its message, or null. */
  public String remoteMessage() {
    return remoteMessage;
  }
}
