package dev.kapu.flight;

/** A submitted task. */
public interface TaskHandle {
  /** Drops the task if queued, interrupts it if running; its listener is told CANCELLED. */
  void cancel();
}
