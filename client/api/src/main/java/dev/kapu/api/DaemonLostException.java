package dev.kapu.api;

/** The daemon running the task died or disconnected, and no retries were left. */
public class DaemonLostException extends KapuException {
  private static final long serialVersionUID = 1L;
  private final String daemonId;

  public DaemonLostException(String message, String daemonId) {
    super(message);
    this.daemonId = daemonId;
  }

  /** The daemon that was lost. */
  public String daemonId() {
    return daemonId;
  }
}
