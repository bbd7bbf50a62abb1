package dev.kapu.flight.status;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Flight SQL client's login: who, from where, since when, what it runs now and what it was
 * sent. An administrator may {@link #end} it: its statements stop, its transactions roll back, and
 * its later calls are refused ({@link SessionMiddleware}).
 */
public final class ClientSession {
  private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

  private final String id;
  private final String user;
  private final String clientAddress;
  private final long startedAtMillis = System.currentTimeMillis();
  private volatile long lastUse = System.nanoTime();
  private final List<StatementRun> statements = new CopyOnWriteArrayList<>();
  /** What ending it undoes besides its statements: its open transactions' rollbacks. */
  private final List<Runnable> onEnd = new CopyOnWriteArrayList<>();
  private final LongAdder rowsSent = new LongAdder();
  private final LongAdder bytesSent = new LongAdder();
  /** Whether it did more than call the operator's actions: sessions of {@code kapu status} itself are not listed. */
  private volatile boolean listed;
  private volatile String endedBy;
  private volatile long endedAtMillis;

  ClientSession(String id, String user, String clientAddress) {
    this.id = id;
    this.user = user;
    this.clientAddress = clientAddress;
  }

  public String id() {
    return id;
  }

  public String user() {
    return user;
  }

  long startedAtMillis() {
    return startedAtMillis;
  }

  long lastUse() {
    return lastUse;
  }

  void touch() {
    lastUse = System.nanoTime();
  }

  List<StatementRun> statements() {
    return statements;
  }

  /** It made a call other than an action (a query, metadata): it is an SQL client's, listed in the status. */
  void list() {
    listed = true;
  }

  boolean listed() {
    return listed;
  }

  void began(StatementRun run) {
    listed = true;
    statements.add(run);
    if (endedBy != null) {
      run.cancel(endedNote()); // raced with the end: it must not run on
    }
  }

  void ended(StatementRun run, long rows, long bytes) {
    statements.remove(run);
    rowsSent.add(rows);
    bytesSent.add(bytes);
  }

  /**
   * {@code undo} runs if the session is ended by an administrator (a transaction it began rolls
   * back), and is forgotten when {@code done} is run (the transaction ended on its own).
   */
  public Runnable onEnd(Runnable undo) {
    onEnd.add(undo);
    if (endedBy != null) {
      undo.run();
    }
    return () -> onEnd.remove(undo);
  }

  /** When it was ended, if it was. */
  long endedAtMillis() {
    return endedAtMillis;
  }

  /** Who ended it, or null while it lives. */
  public String endedBy() {
    return endedBy;
  }

  /**
   * Ends the session for {@code admin}: its running statements are cancelled, its transactions
   * rolled back; its next calls are refused. False if it had ended already.
   */
  public synchronized boolean end(String admin) {
    if (endedBy != null) {
      return false;
    }
    endedAtMillis = System.currentTimeMillis();
    endedBy = admin;
    for (StatementRun run : statements) {
      run.cancel(endedNote());
    }
    for (Runnable undo : List.copyOf(onEnd)) {
      try {
        undo.run();
      } catch (RuntimeException e) {
        log.warn("ending session {} of user '{}': {}", id, user, e.toString());
      }
    }
    onEnd.clear();
    return true;
  }

  /** What a statement stopped by the session's end tells its client. */
  String endedNote() {
    return "its session (" + id + ") was ended by administrator '" + endedBy + "'";
  }

  StatusReport.Session report(long nowMillis) {
    List<StatementRun> now = new ArrayList<>(statements);
    StatusReport.Statement current = now.stream().min(Comparator.comparingLong(StatementRun::startedAtMillis))
        .map(r -> r.report(nowMillis)).orElse(null);
    return new StatusReport.Session(id, user, clientAddress, startedAtMillis, current, rowsSent.sum(), bytesSent.sum());
  }
}
