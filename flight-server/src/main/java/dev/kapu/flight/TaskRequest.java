package dev.kapu.flight;

/**
 * A task as the dispatcher sees it: an opaque payload and how to treat it.
 *
 * @param payload the encoded task; the dispatcher never looks inside
 * @param timeoutMillis how long it may run on a daemon; 0 for no limit
 * @param maxRetries how many times it is sent again if the daemon running it is lost
 */
public record TaskRequest(byte[] payload, long timeoutMillis, int maxRetries) {
  public TaskRequest {
    if (timeoutMillis < 0 || maxRetries < 0) {
      throw new IllegalArgumentException("timeout and retries must not be negative");
    }
  }
}
