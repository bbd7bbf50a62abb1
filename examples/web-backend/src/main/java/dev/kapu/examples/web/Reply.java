package dev.kapu.examples.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kapu.api.ConnectionLostException;
import dev.kapu.api.DaemonLostException;
import dev.kapu.api.QueueFullException;
import dev.kapu.api.TaskTimeoutException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * What the service answers: an HTTP status and a body, written as JSON. A failure's status says
 * whose it is: the caller's (400), a busy service that a retry may find free (503), a task that ran
 * out of time (504), or the service's own (500, whose details go to the log, not to the caller).
 *
 * @param status the HTTP status
 * @param body the JSON body: an answer record, or {@link Error}
 */
record Reply(int status, Object body) {

  /** A failure's body; {@code usage} shows a well-formed request where the caller got one wrong. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Error(String error, String usage) {}

  static Reply ok(Object body) {
    return new Reply(200, body);
  }

  static Reply notFound(String path, List<String> usages) {
    return new Reply(404, new Error("no endpoint " + path + "; try one of " + String.join(", ", usages), null));
  }

  static Reply methodNotAllowed(String method) {
    return new Reply(405, new Error("method " + method + " is not allowed here: use GET", null));
  }

  /** The reply to a request that failed with {@code failure}; {@code usage} is the endpoint's example. */
  static Reply failure(Throwable failure, String usage) {
    Throwable cause = unwrap(failure);
    if (cause instanceof BadRequestException) {
      return new Reply(400, new Error(cause.getMessage(), usage));
    }
    if (cause instanceof QueueFullException) {
      return new Reply(503, new Error("the service is busy: too many requests wait for a daemon; retry shortly", null));
    }
    if (cause instanceof DaemonLostException || cause instanceof ConnectionLostException
        || cause instanceof CancellationException) {
      return new Reply(503, new Error("the task was lost before it finished; retry shortly", null));
    }
    if (cause instanceof TaskTimeoutException) {
      return new Reply(504, new Error("the task did not finish in time: " + cause.getMessage(), null));
    }
    return new Reply(500, new Error("the task failed; the service's log says why", null));
  }

  /** Whether this reply hides a failure of the service's own, which belongs in its log. */
  boolean isServiceFault() {
    return status == 500;
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
