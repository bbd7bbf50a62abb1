package dev.kapu.flight;

import java.util.List;

/**
 * A task as the dispatcher sees it: an opaque payload and how to treat it.
 *
 * @param payload the encoded task; the dispatcher never looks inside
 * @param timeoutMillis how long each of its calls may run on a daemon; 0 for no limit. The daemon
 *     stops a call at its timeout; the dispatcher stops waiting for the outcome {@code calls}
 *     timeouts (and a little slack for the wire) after it sent the task, whatever the daemon does
 * @param maxRetries how many times it is sent again if the daemon running it is lost
 * @param resources names the daemon must host (resources, tables); empty for any daemon
 * @param parked tickets of streams parked at the dispatcher for this task ({@link
 *     TaskGateway#park}); the daemon fetches each once, and what is left is freed when the task ends
 * @param calls how many calls the timeout applies to, one after another: 1 for a task, the items
 *     of a map chunk
 * @param submitter who submitted it, as the status shows: {@code client <address>} for a session
 *     connected over the wire, {@code in-process} for one in the dispatcher's own JVM
 * @param nonBlocking its client declared that it never blocks: a daemon may run it on its network thread
 */
public record TaskRequest(byte[] payload, long timeoutMillis, int maxRetries, List<String> resources,
    List<String> parked, int calls, String submitter, boolean nonBlocking) {
  /** The submitter of a task from a session in the dispatcher's own JVM. */
  public static final String IN_PROCESS = "in-process";

  public TaskRequest {
    if (timeoutMillis < 0 || maxRetries < 0) {
      throw new IllegalArgumentException("timeout and retries must not be negative");
    }
    if (calls < 1) {
      throw new IllegalArgumentException("a task makes at least one call");
    }
    resources = List.copyOf(resources);
    parked = List.copyOf(parked);
    submitter = submitter == null ? "" : submitter;
  }

  public TaskRequest(byte[] payload, long timeoutMillis, int maxRetries, List<String> resources,
      List<String> parked, int calls) {
    this(payload, timeoutMillis, maxRetries, resources, parked, calls, IN_PROCESS, false);
  }

  public TaskRequest(byte[] payload, long timeoutMillis, int maxRetries, List<String> resources,
      List<String> parked) {
    this(payload, timeoutMillis, maxRetries, resources, parked, 1, IN_PROCESS, false);
  }

  public TaskRequest(byte[] payload, long timeoutMillis, int maxRetries, List<String> resources) {
    this(payload, timeoutMillis, maxRetries, resources, List.of(), 1, IN_PROCESS, false);
  }

  public TaskRequest(byte[] payload, long timeoutMillis, int maxRetries) {
    this(payload, timeoutMillis, maxRetries, List.of(), List.of(), 1, IN_PROCESS, false);
  }
}
