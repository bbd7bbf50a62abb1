package dev.kapu.client.controller;

import java.util.List;

/**
 * A pushed task that has ended, as {@link Crew#pop()} and {@link Crew#collect()} hand it back.
 *
 * @param name the name it was pushed under
 * @param status how it ended
 * @param value its value if it succeeded, else null
 * @param error why it did not succeed: a {@link dev.kapu.api.RemoteTaskException}, a {@link
 *     dev.kapu.api.TaskTimeoutException}, a {@link CrashLimitException}, a cancellation; null
 *     if it succeeded
 * @param controller the controller whose worker ran it last (a backup's name if it was handed on)
 * @param crashes how many times a worker died while running it
 * @param lostWorkers the workers that died while running it, in order
 * @param seconds from push to end, on this machine's clock
 */
public record TaskResult(String name, Status status, Object value, Throwable error, String controller,
    int crashes, List<String> lostWorkers, double seconds) {

  /** How a pushed task ended. */
  public enum Status {
    SUCCEEDED,
    /** It ran and threw, timed out, or could not be sent or decoded. */
    FAILED,
    CANCELLED,
    /** Its workers died more often than the crash limit allows, and no backup took it. */
    CRASHED
  }

  public TaskResult {
    lostWorkers = List.copyOf(lostWorkers);
  }

  public boolean succeeded() {
    return status == Status.SUCCEEDED;
  }

  /** The value, or the error thrown (wrapped in a {@link TaskFailedException} if it is checked). */
  @SuppressWarnings("unchecked")
  public <T> T valueOrThrow() {
    if (status == Status.SUCCEEDED) {
      return (T) value;
    }
    if (error instanceof RuntimeException e) {
      throw e;
    }
    throw new TaskFailedException("task " + name + " " + status.name().toLowerCase(), error);
  }

  /** A pushed task did not succeed, and its error was not a runtime exception. */
  public static final class TaskFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TaskFailedException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
