package dev.kapu.daemon.spi;

/**
 * The lifetime of one task, or of one query a task started: what is registered here is closed when
 * it ends, and what stops its work runs when it is stopped (cancelled, timed out, its result no
 * longer wanted).
 */
public interface TaskScope {
  void closeAtEnd(AutoCloseable resource);

  /**
   * Registers how to stop work under way in a resource, such as a statement's {@code cancel}:
   * interrupting the task's thread reaches neither native code (DuckDB) nor a database server. It
   * runs on another thread than the work, at most once (at once if the scope was stopped already),
   * and not after the scope has ended, so it never cancels what a pooled connection runs for
   * someone else later. A scope that cannot be stopped ignores it.
   */
  default void onStop(StopAction action) {}

  /** Stops work under way; see {@link #onStop}. */
  @FunctionalInterface
  interface StopAction {
    void stop() throws Exception;
  }
}
