package dev.kapu.flight.status;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flight SQL statement from its arrival to its end: shown by {@code kapu.status} while it runs,
 * cancelled by {@code kapu.cancel-statement} through the same path as a Flight SQL cancel, and
 * logged once when it ends ({@link StatementLog}).
 */
public final class StatementRun {
  private static final Logger log = LoggerFactory.getLogger(StatementRun.class);

  private final ClientSessions registry;
  private final String id;
  private final ClientSession session;
  private final String user;
  private volatile String catalog;
  private final String text;
  private final long startedAtMillis = System.currentTimeMillis();
  private final long startedNanos = System.nanoTime();
  private final LongAdder rows = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile Runnable cancel;
  private volatile String cancelledBy;

  StatementRun(ClientSessions registry, String id, ClientSession session, String user, String catalog, String text) {
    this.registry = registry;
    this.id = id;
    this.session = session;
    this.user = user;
    this.catalog = catalog;
    this.text = text;
  }

  public String id() {
    return id;
  }

  /** Where it runs, once routed (its session's catalog, or its transaction's). */
  public void at(String routedCatalog) {
    this.catalog = routedCatalog;
  }

  ClientSession session() {
    return session;
  }

  long startedAtMillis() {
    return startedAtMillis;
  }

  /** How to stop it, once it runs somewhere; a cancel that came before runs it at once. */
  public void cancelWith(Runnable stop) {
    this.cancel = stop;
    if (cancelledBy != null) {
      runCancel(stop);
    }
  }

  /**
   * Stops it (an administrator's cancel, or its session's end); it ends when its stream ends.
   *
   * @param why what its client is told, such as "cancelled by administrator 'ops'"
   */
  public void cancel(String why) {
    if (cancelledBy == null) {
      cancelledBy = why;
    }
    Runnable stop = cancel;
    if (stop != null) {
      runCancel(stop);
    }
  }

  private void runCancel(Runnable stop) {
    try {
      stop.run();
    } catch (RuntimeException e) {
      log.warn("cancelling statement {} failed: {}", id, e.toString());
    }
  }

  /** Why it was cancelled by someone other than its client (an administrator, its session's end); null if not. */
  public String cancelReason() {
    return cancelledBy;
  }

  /**
   * Its result is fetched straight from a daemon ({@code location}, {@code ticket}): this server
   * does not see it end, the daemon's reports do ({@link ClientSessions#resultsHeld}).
   */
  public void fetchedFrom(String location, String ticket) {
    registry.fetchedFrom(this, location, ticket);
  }

  /** {@code n} more rows, of {@code size} bytes, went to the client. */
  public void sent(long n, long size) {
    rows.add(n);
    bytes.add(size);
  }

  /** It ended well; {@code changed} is an update's row count (0 for a query, whose rows were counted as sent). */
  public void ok(long changed) {
    end("OK", changed, null, 0);
  }

  /** It ended with {@code failure} (a Flight status, or anything else: INTERNAL). */
  public void failed(Throwable failure) {
    String code = StatusCodes.grpcName(failure instanceof FlightRuntimeException f ? f.status().code()
        : CallStatus.INTERNAL.code());
    end(code, 0, failure.getMessage(), 0);
  }

  /**
   * Ends it once with {@code code}; later calls do nothing.
   *
   * @param changed rows an update changed (0 for a query)
   * @param message why it failed or was cancelled; null if it did not
   * @param endedMillisAgo how long ago it ended, if that was seen elsewhere (its daemon)
   */
  public void end(String code, long changed, String message, long endedMillisAgo) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    long sentRows = rows.sum();
    long sentBytes = bytes.sum();
    long micros = Math.max(0, (System.nanoTime() - startedNanos) / 1000 - endedMillisAgo * 1000);
    registry.ended(this, code, sentRows, sentBytes);
    StatementLog.ended(id, user, session == null ? "" : session.id(), catalog, text, micros, sentRows + changed,
        sentBytes, code, message);
  }

  StatusReport.Statement report(long nowMillis) {
    return new StatusReport.Statement(id, text, catalog, Math.max(0, nowMillis - startedAtMillis));
  }
}
