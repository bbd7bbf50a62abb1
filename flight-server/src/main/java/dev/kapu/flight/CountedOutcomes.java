package dev.kapu.flight;

import dev.kapu.flight.status.TaskFigures;
import java.util.function.LongSupplier;

/** Counts every task's last outcome in the dispatcher's {@link TaskFigures}, with its round trip. */
final class CountedOutcomes {
  private final TaskFigures figures = new TaskFigures();
  private final LongSupplier clock;

  /** @param clock nanoseconds, as {@link System#nanoTime()} counts them */
  CountedOutcomes(LongSupplier clock) {
    this.clock = clock;
  }

  TaskFigures figures() {
    return figures;
  }

  /** {@code listener}, counting the task's last outcome with its round trip from now. */
  OutcomeListener counting(OutcomeListener listener) {
    long submitted = clock.getAsLong();
    return (outcome, last) -> {
      if (last) {
        figures.ended(outcomeOf(outcome.kind()), clock.getAsLong() - submitted, System.currentTimeMillis());
      }
      listener.onOutcome(outcome, last);
    };
  }

  private static TaskFigures.Outcome outcomeOf(TaskOutcome.Kind kind) {
    return switch (kind) {
      case SUCCEEDED -> TaskFigures.Outcome.ok;
      case CANCELLED -> TaskFigures.Outcome.cancelled;
      case TIMED_OUT -> TaskFigures.Outcome.timeout;
      case DAEMON_LOST -> TaskFigures.Outcome.lost;
      case UNROUTABLE -> TaskFigures.Outcome.unroutable;
      default -> TaskFigures.Outcome.error;
    };
  }
}
