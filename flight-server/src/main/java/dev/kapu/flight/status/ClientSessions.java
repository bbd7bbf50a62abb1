package dev.kapu.flight.status;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightServerMiddleware;

/**
 * The Flight SQL clients' sessions, as {@code kapu.status} shows them and {@code kapu.kill-session}
 * ends them. A session is one login: the bearer token a client's handshake got and presents on every
 * later call (a JDBC connection, an ADBC database). {@link SessionMiddleware} finds each call's
 * session; statements run through {@link #statement}, which also counts and logs them ({@link
 * StatementLog}).
 *
 * <p>Bounded: sessions idle for an hour with nothing running are forgotten, and past {@value
 * #MAX_SESSIONS} sessions the longest idle go first.
 */
public final class ClientSessions {
  /** The per-call middleware: {@code context.getMiddleware(ClientSessions.KEY)}. */
  public static final FlightServerMiddleware.Key<SessionMiddleware> KEY = FlightServerMiddleware.Key.of("kapu-client-session");

  static final int MAX_SESSIONS = 10_000;
  private static final long FORGET_IDLE_NANOS = TimeUnit.HOURS.toNanos(1);
  private static final long SWEEP_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
  private volatile long lastSweep = System.nanoTime();

  private final SecureRandom random = new SecureRandom();
  private final Map<String, ClientSession> byToken = new ConcurrentHashMap<>();
  private final Map<String, ClientSession> byId = new ConcurrentHashMap<>();
  private final Map<String, StatementRun> running = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> statementsByCode = new ConcurrentHashMap<>();
  private final LongAdder rowsStreamed = new LongAdder();
  private final LongAdder bytesStreamed = new LongAdder();

  /** The session whose calls present {@code token}, begun now if new; {@code user} and {@code address} describe it. */
  ClientSession session(String token, String user, String address) {
    ClientSession known = byToken.get(token);
    if (known != null) {
      known.touch();
      return known;
    }
    if (byToken.size() >= MAX_SESSIONS || System.nanoTime() - lastSweep > SWEEP_EVERY_NANOS) {
      forgetIdle();
    }
    return byToken.computeIfAbsent(token, t -> {
      ClientSession created = new ClientSession(newId(), user, address);
      byId.put(created.id(), created);
      return created;
    });
  }

  private String newId() {
    byte[] bytes = new byte[6];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** Forgets sessions idle past the hour, then, while too many, the longest idle without statements. */
  private synchronized void forgetIdle() {
    long now = System.nanoTime();
    lastSweep = now;
    byToken.entrySet().removeIf(e -> forget(e.getValue(), now - e.getValue().lastUse() > FORGET_IDLE_NANOS));
    if (byToken.size() >= MAX_SESSIONS) {
      List<Map.Entry<String, ClientSession>> idle = new ArrayList<>(byToken.entrySet());
      idle.sort(Comparator.comparingLong(e -> e.getValue().lastUse()));
      for (int i = 0; i < idle.size() / 10 + 1; i++) {
        ClientSession s = idle.get(i).getValue();
        if (forget(s, true)) {
          byToken.remove(idle.get(i).getKey());
        }
      }
    }
  }

  private boolean forget(ClientSession s, boolean idle) {
    if (idle && s.statements().isEmpty()) {
      byId.remove(s.id());
      return true;
    }
    return false;
  }

  /** The client closed this call's session (Flight's CloseSession): it is no longer listed. */
  public static void closed(CallContext context) {
    SessionMiddleware call = context.getMiddleware(KEY);
    if (call != null && call.session() != null) {
      call.registry().forget(call.session());
    }
  }

  private void forget(ClientSession session) {
    byToken.values().remove(session);
    byId.remove(session.id());
  }

  /** The session this call belongs to; null for a call with no bearer token (a handshake, no authentication). */
  public static ClientSession of(CallContext context) {
    SessionMiddleware call = context.getMiddleware(KEY);
    return call == null ? null : call.session();
  }

  /** Statements of calls served without a Kapu server's middleware (a producer tested alone): logged only. */
  private static final ClientSessions DETACHED = new ClientSessions();

  /**
   * A statement begins: {@code kapu.status} shows it, {@code kapu.cancel-statement} can stop it once
   * {@link StatementRun#cancelWith} says how, and its end ({@link StatementRun#end}, which every
   * path must reach) is logged.
   *
   * @param context the call that sent it, for its session (a call without one still gets its log line)
   */
  public static StatementRun begin(CallContext context, String catalog, String sql) {
    SessionMiddleware call = context.getMiddleware(KEY);
    return (call != null ? call.registry() : DETACHED).statement(context, catalog, sql);
  }

  private StatementRun statement(CallContext context, String catalog, String sql) {
    ClientSession session = of(context);
    StatementRun run = new StatementRun(this, newId(), session, context.peerIdentity(), catalog, sql);
    running.put(run.id(), run);
    if (session != null) {
      session.began(run);
    }
    return run;
  }

  /** Called once by {@link StatementRun#end}. */
  void ended(StatementRun run, String code, long rows, long bytes) {
    running.remove(run.id());
    if (run.session() != null) {
      run.session().ended(run, rows, bytes);
    }
    statementsByCode.computeIfAbsent(code, c -> new LongAdder()).increment();
    rowsStreamed.add(rows);
    bytesStreamed.add(bytes);
  }

  /** Direct results by daemon location, then ticket: they end when their daemon no longer holds them. */
  private final Map<String, Map<String, DirectResult>> direct = new ConcurrentHashMap<>();

  /** A statement whose result a client fetches from a daemon; missed counts the daemon's reports without it. */
  private static final class DirectResult {
    final StatementRun run;
    int missed;

    DirectResult(StatementRun run) {
      this.run = run;
    }
  }

  void fetchedFrom(StatementRun run, String location, String ticket) {
    direct.computeIfAbsent(location, l -> new ConcurrentHashMap<>()).put(ticket, new DirectResult(run));
  }

  /**
   * The daemon serving results at {@code location} reported the results that ended since its last
   * report ({@code finished}: a direct statement ends with its figures) and the tickets whose
   * results it still holds (waiting, running or streaming). A statement whose ticket is in neither
   * for two reports in a row has ended too (a report lost with its figures); two, as a report made
   * just before the result was parked may arrive after the statement was registered.
   */
  public void resultsHeld(String location, Set<String> held, List<FinishedResult> finished) {
    Map<String, DirectResult> here = direct.get(location);
    if (here == null) {
      return;
    }
    for (FinishedResult f : finished) {
      DirectResult ended = here.remove(f.ticket());
      if (ended != null) {
        StatementRun run = ended.run;
        run.sent(f.rows(), f.bytes());
        String message = f.message() != null ? f.message()
            : f.status().equals("CANCELLED") && run.cancelReason() != null ? run.cancelReason() : null;
        run.end(f.status(), 0, message, f.endedMillisAgo());
      }
    }
    here.entrySet().removeIf(e -> {
      if (held.contains(e.getKey())) {
        e.getValue().missed = 0;
        return false;
      }
      if (++e.getValue().missed < 2) {
        return false;
      }
      StatementRun run = e.getValue().run;
      run.end(run.cancelReason() != null ? "CANCELLED" : "OK", 0, run.cancelReason(), 0);
      return true;
    });
  }

  /**
   * The daemon serving results at {@code location} left (drained, lost, its process gone): the
   * statements whose results it held end as UNAVAILABLE, as their clients' fetches do.
   */
  public void daemonLeft(String location, String daemon) {
    Map<String, DirectResult> here = direct.remove(location);
    if (here != null) {
      here.values().forEach(d -> d.run.end("UNAVAILABLE", 0, "daemon " + daemon + " left while it held the result", 0));
    }
  }

  /** The running statement {@code id}, or null. */
  public StatementRun running(String id) {
    return running.get(id);
  }

  /** How many sessions it knows. */
  int size() {
    return byToken.size();
  }

  /** The session {@code id} (still known, ended or not), or null. */
  public ClientSession byId(String id) {
    return byId.get(id);
  }

  /** The SQL clients' sessions known now, ended ones and the operator tools' left out, oldest first. */
  public List<StatusReport.Session> report() {
    if (System.nanoTime() - lastSweep > SWEEP_EVERY_NANOS) {
      forgetIdle();
    }
    long nowMillis = System.currentTimeMillis();
    return byId.values().stream().filter(s -> s.endedBy() == null && s.listed())
        .sorted(Comparator.comparingLong(ClientSession::startedAtMillis))
        .map(s -> s.report(nowMillis)).toList();
  }

  /** Statements ended so far, by the status code they ended with (OK, INVALID_ARGUMENT, CANCELLED...). */
  public Map<String, Long> statementsByCode() {
    Map<String, Long> counts = new java.util.TreeMap<>();
    statementsByCode.forEach((code, n) -> counts.put(code, n.sum()));
    return counts;
  }

  /** Rows sent to clients by statements that ended (those this server saw: relayed results, updates). */
  public long rowsStreamed() {
    return rowsStreamed.sum();
  }

  /** Bytes of Arrow buffers sent to clients by statements that ended, as for {@link #rowsStreamed}. */
  public long bytesStreamed() {
    return bytesStreamed.sum();
  }
}
