package dev.kapu.daemon.internal;

import dev.kapu.daemon.spi.TaskScope;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops one statement whenever its stop comes, before the database has begun it too. Databases
 * ignore a cancel for a statement they are not running: DuckDB's {@code cancel()} does nothing
 * unless the statement executes, and DuckDB clears a pending interrupt as a query begins;
 * PostgreSQL drops a cancel request that reaches an idle backend. A stop that arrives while the
 * statement is prepared, or as it enters {@code execute}, would be lost and the query would work
 * on for hours. So the guard, registered as the scope's stop action before the statement runs,
 * remembers the stop: a stopped statement does not start, and while it executes the cancel is
 * repeated (backing off) until its execution returns. After that, a stop cancels once (a
 * streamed result that is still read).
 *
 * <p>The repeated cancel runs under the guard's lock and only while the execution has not
 * returned, so it never reaches what the connection runs next (a pooled connection's next user).
 */
public final class StatementGuard implements TaskScope.StopAction {
  private static final Logger log = LoggerFactory.getLogger(StatementGuard.class);
  private static final long FIRST_REPEAT_MILLIS = 10;
  private static final long MAX_REPEAT_MILLIS = 500;

  /** The statement's execution: the call a stop must not let start. */
  @FunctionalInterface
  public interface Execution<T> {
    T run() throws Exception;
  }

  private final TaskScope.StopAction cancel;
  private boolean stopped;
  private boolean executing;

  /** @param cancel cancels the statement (its own {@code cancel}, or its connection's) */
  private StatementGuard(TaskScope.StopAction cancel) {
    this.cancel = cancel;
  }

  /** A guard for the statement {@code cancel} stops, registered with {@code scope} as its stop action. */
  public static StatementGuard register(TaskScope scope, TaskScope.StopAction cancel) {
    StatementGuard guard = new StatementGuard(cancel);
    scope.onStop(guard);
    return guard;
  }

  /**
   * Runs the statement unless it was stopped already.
   *
   * @throws SQLException with SQLSTATE 57014 (query_canceled) if it was stopped before it started
   */
  public <T> T execute(Execution<T> execution) throws Exception {
    synchronized (this) {
      if (stopped) {
        throw new SQLException("the query was cancelled before it started", "57014");
      }
      executing = true;
    }
    try {
      return execution.run();
    } finally {
      synchronized (this) {
        executing = false;
      }
    }
  }

  @Override
  public synchronized void stop() throws Exception {
    if (stopped) {
      return;
    }
    stopped = true;
    boolean repeat = executing;
    try {
      cancel.stop();
    } finally {
      if (repeat) {
        repeatAfter(FIRST_REPEAT_MILLIS);
      }
    }
  }

  /** Cancels again while the execution has not returned: the first cancel may have come before the database began it. */
  private void repeatAfter(long millis) {
    Repeats.TIMER.schedule(() -> {
      synchronized (this) {
        if (!executing) {
          return;
        }
        try {
          cancel.stop();
        } catch (Exception e) {
          log.debug("cancelling a statement again failed: {}", e.toString());
        }
      }
      repeatAfter(Math.min(2 * millis, MAX_REPEAT_MILLIS));
    }, millis, TimeUnit.MILLISECONDS);
  }

  /** One thread for the whole daemon, made at the first repeat: stops are rare. */
  private static final class Repeats {
    static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kapu-statement-cancels");
      t.setDaemon(true);
      return t;
    });
  }
}
