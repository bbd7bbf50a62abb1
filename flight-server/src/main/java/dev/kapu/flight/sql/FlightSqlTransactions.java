package dev.kapu.flight.sql;

import com.google.protobuf.ByteString;
import dev.kapu.flight.KapuServer;
import dev.kapu.flight.status.ClientSession;
import dev.kapu.flight.status.ClientSessions;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightProducer.StreamListener;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.ServerSessionMiddleware;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionBeginSavepointRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionBeginSavepointResult;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionBeginTransactionResult;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionEndSavepointRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionEndTransactionRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactions Flight SQL clients hold open through a {@link SqlBackend}: who owns each, which
 * Flight session it belongs to, and each session's SQL transaction (the one a {@code BEGIN} sent
 * as a statement began).
 *
 * <p>A statement runs in the transaction it names (Flight SQL's {@code transaction_id}), else in
 * its session's SQL transaction, else on its own. A transaction is its user's alone: another user
 * naming it gets NOT_FOUND, as for one that never was. A session's SQL transaction stays the
 * session's until the client ends it (COMMIT, ROLLBACK) or the session closes, even once the
 * backend has rolled it back (idle timeout, daemon lost): until then the session's statements fail
 * with the reason, rather than run outside the transaction the client believes it is in.
 *
 * <p>SQL BEGIN needs a session, which lives in a cookie; a call that carries no cookie comes from a
 * client that keeps none (the Kapu bearer cookie comes with every handshake), whose next
 * statement would not find the transaction, so BEGIN is refused for it with a message that says
 * how to use transactions instead. Arrow's sessions do not expire; an abandoned transaction is
 * rolled back by the backend's idle timeout.
 */
final class FlightSqlTransactions {
  private static final Logger log = LoggerFactory.getLogger(FlightSqlTransactions.class);
  /**
   * Records of transactions unused this long past their idle timeout are forgotten: the backend
   * rolled them back long ago, unless one statement ran all that time.
   */
  private static final long FORGET_AFTER_NANOS = TimeUnit.HOURS.toNanos(1);

  private final SqlBackend backend;
  private final Map<String, Open> open = new ConcurrentHashMap<>();
  /** Flight session id → the id of its SQL transaction (open, or ended by the backend and not yet by the client). */
  private final Map<String, String> sessionTransactions = new ConcurrentHashMap<>();

  /** An open transaction and whose it is. */
  private static final class Open {
    final SqlBackend.Transaction transaction;
    final String user;
    final String session;
    volatile long lastUse = System.nanoTime();
    /** Forgets the rollback its client session's end would run (set once begun). */
    volatile Runnable forgetUndo = () -> {};

    Open(SqlBackend.Transaction transaction, String user, String session) {
      this.transaction = transaction;
      this.user = user;
      this.session = session;
    }
  }

  FlightSqlTransactions(SqlBackend backend) {
    this.backend = backend;
  }

  // ---- Flight SQL's transaction calls --------------------------------------------------------

  /** BeginTransaction: a transaction on {@code catalog}; tied to the call's session when it has one. */
  void begin(CallContext context, String catalog, boolean readOnly,
      StreamListener<ActionBeginTransactionResult> listener) {
    answer(listener, () -> {
      SqlBackend.Transaction t = begin(context, catalog, readOnly, Connection.TRANSACTION_NONE, session(context, true));
      return ActionBeginTransactionResult.newBuilder().setTransactionId(ByteString.copyFromUtf8(t.id())).build();
    });
  }

  /** EndTransaction: commits or rolls back. */
  void end(ActionEndTransactionRequest request, CallContext context, StreamListener<Result> listener) {
    answer(listener, () -> {
      boolean commit = switch (request.getAction()) {
        case END_TRANSACTION_COMMIT -> true;
        case END_TRANSACTION_ROLLBACK -> false;
        default -> throw new IllegalArgumentException("EndTransaction commits or rolls back, not " + request.getAction());
      };
      end(context, require(context, request.getTransactionId()), commit);
      return null;
    });
  }

  /** BeginSavepoint: the savepoint's id, which also names its transaction. */
  void beginSavepoint(ActionBeginSavepointRequest request, CallContext context,
      StreamListener<ActionBeginSavepointResult> listener) {
    answer(listener, () -> {
      Open o = require(context, request.getTransactionId());
      String savepoint = backend.savepoint(touch(o), request.getName());
      return ActionBeginSavepointResult.newBuilder()
          .setSavepointId(ByteString.copyFromUtf8(o.transaction.id() + "/" + savepoint)).build();
    });
  }

  /** EndSavepoint: releases the savepoint, or rolls back to it. */
  void endSavepoint(ActionEndSavepointRequest request, CallContext context, StreamListener<Result> listener) {
    answer(listener, () -> {
      boolean rollback = switch (request.getAction()) {
        case END_SAVEPOINT_RELEASE -> false;
        case END_SAVEPOINT_ROLLBACK -> true;
        default -> throw new IllegalArgumentException("EndSavepoint releases or rolls back, not " + request.getAction());
      };
      String id = request.getSavepointId().toStringUtf8();
      int slash = id.lastIndexOf('/');
      if (slash <= 0) {
        throw CallStatus.NOT_FOUND.withDescription("no savepoint " + id).toRuntimeException();
      }
      Open o = require(context, ByteString.copyFromUtf8(id.substring(0, slash)));
      backend.endSavepoint(touch(o), id.substring(slash + 1), rollback);
      return null;
    });
  }

  /** Sends what {@code call} returns (nothing if null) and completes, or the failure as a Flight status. */
  private static <T> void answer(StreamListener<T> listener, Callable<T> call) {
    T result;
    try {
      result = call.call();
    } catch (Exception e) {
      listener.onError(KapuFlightSqlProducer.status(e));
      return;
    }
    if (result != null) {
      listener.onNext(result);
    }
    listener.onCompleted();
  }

  // ---- statements ------------------------------------------------------------------------------

  /**
   * The transaction a statement runs in: the one it names ({@code named}, Flight SQL's {@code
   * transaction_id}; null or empty for none), else its session's SQL transaction; null if neither.
   *
   * @throws TransactionEndedException if the session's SQL transaction was ended by the backend
   */
  SqlBackend.Transaction of(CallContext context, ByteString named) {
    if (named != null && !named.isEmpty()) {
      return touch(require(context, named));
    }
    String session = session(context, false);
    String id = session == null ? null : sessionTransactions.get(session);
    if (id == null) {
      return null;
    }
    Open o = open.get(id);
    if (o == null) {
      throw new TransactionEndedException("this session's transaction " + id + " is no longer open (rolled back"
          + " after its idle timeout, or lost with its daemon); ROLLBACK ends it, then statements run again");
    }
    return touch(o);
  }

  /**
   * Runs a transaction statement sent as SQL, as a transaction of the call's session (or of the
   * transaction the statement names). {@code catalog} and {@code userReadOnly} say where a BEGIN
   * begins and whether its user may only read.
   */
  void execute(CallContext context, TransactionStatement statement, ByteString named, String catalog,
      boolean userReadOnly) throws Exception {
    boolean explicit = named != null && !named.isEmpty();
    String session = session(context, statement.kind() == TransactionStatement.Kind.BEGIN);
    String sessionTransaction = session == null ? null : sessionTransactions.get(session);
    switch (statement.kind()) {
      case BEGIN -> {
        if (explicit || sessionTransaction != null) {
          throw new IllegalArgumentException("a transaction is already open here ("
              + (explicit ? named.toStringUtf8() : sessionTransaction) + "): COMMIT or ROLLBACK it first");
        }
        if (session == null) {
          throw new IllegalArgumentException("BEGIN sent as SQL begins a transaction of the client's Flight"
              + " session, which lives in a cookie, and this client sends no cookies: keep them (the Flight SQL"
              + " JDBC driver does unless retainCookies=false), or use Flight SQL's transaction calls"
              + " (BeginTransaction, as FlightSqlClient.beginTransaction and the Go and C++ ADBC drivers send)");
        }
        SqlBackend.Transaction t = begin(context, catalog, userReadOnly || statement.readOnly(),
            statement.isolation(), session);
        if (sessionTransactions.putIfAbsent(session, t.id()) != null) {
          end(context, open.get(t.id()), false); // another BEGIN of this session won the race
          throw new IllegalArgumentException("a transaction is already open in this session: COMMIT or ROLLBACK it"
              + " first");
        }
      }
      case COMMIT, ROLLBACK -> {
        boolean commit = statement.kind() == TransactionStatement.Kind.COMMIT;
        if (explicit) {
          end(context, require(context, named), commit);
          return;
        }
        if (sessionTransaction == null) {
          throw new IllegalArgumentException("no transaction is open in this session: "
              + (commit ? "COMMIT" : "ROLLBACK") + " has nothing to end (BEGIN starts one)");
        }
        try {
          Open o = open.get(sessionTransaction);
          if (o != null) {
            end(context, o, commit);
          } else if (commit) {
            throw new TransactionEndedException("this session's transaction " + sessionTransaction + " is no"
                + " longer open (rolled back after its idle timeout, or lost with its daemon): nothing was committed");
          } // ROLLBACK of a transaction the backend rolled back already: done
        } finally {
          sessionTransactions.remove(session, sessionTransaction);
        }
      }
      case SAVEPOINT, RELEASE_SAVEPOINT, ROLLBACK_TO_SAVEPOINT -> {
        SqlBackend.Transaction t = of(context, named);
        if (t == null) {
          throw new IllegalArgumentException("savepoints live inside a transaction, and none is open in this"
              + " session: BEGIN first");
        }
        if (statement.kind() == TransactionStatement.Kind.SAVEPOINT) {
          backend.savepoint(t, statement.savepoint());
        } else {
          backend.endSavepoint(t, statement.savepoint(),
              statement.kind() == TransactionStatement.Kind.ROLLBACK_TO_SAVEPOINT);
        }
      }
      default -> throw new IllegalStateException("unknown transaction statement " + statement.kind());
    }
  }

  /** The transaction {@code id} names, if it is this call's user's and open; for routing what joins it. */
  SqlBackend.Transaction named(CallContext context, ByteString id) {
    return touch(require(context, id));
  }

  // ---- sessions ----------------------------------------------------------------------------------

  /** The call's session is closing: its transactions are rolled back. */
  void sessionClosed(CallContext context) {
    String session = session(context, false);
    if (session == null) {
      return;
    }
    sessionTransactions.remove(session);
    for (Open o : List.copyOf(open.values())) {
      if (session.equals(o.session)) {
        try {
          end(context, o, false);
        } catch (Exception e) {
          log.info("rolling back transaction {} of a closed session failed: {}", o.transaction.id(), e.toString());
        }
      }
    }
  }

  // ---- internals ------------------------------------------------------------------------------

  private SqlBackend.Transaction begin(CallContext context, String catalog, boolean readOnly, int isolation,
      String session) throws Exception {
    forgetIdle();
    SqlBackend.Transaction t = backend.begin(catalog, readOnly, isolation);
    Open o = new Open(t, context.peerIdentity(), session);
    open.put(t.id(), o);
    ClientSession client = ClientSessions.of(context);
    if (client != null) { // an administrator ending the client's session rolls it back
      o.forgetUndo = client.onEnd(() -> rollBackEnded(o, client));
    }
    log.debug("user '{}' began transaction {} on '{}'", context.peerIdentity(), t.id(), catalog);
    return t;
  }

  private void rollBackEnded(Open o, ClientSession client) {
    sessionTransactions.values().remove(o.transaction.id());
    if (open.remove(o.transaction.id(), o)) {
      try {
        backend.end(o.transaction, false);
        log.info("rolled back transaction {} of user '{}': session {} was ended by an administrator",
            o.transaction.id(), o.user, client.id());
      } catch (Exception e) {
        log.info("rolling back transaction {} of an ended session failed: {}", o.transaction.id(), e.toString());
      }
    }
  }

  private void end(CallContext context, Open o, boolean commit) throws Exception {
    if (open.remove(o.transaction.id(), o)) {
      o.forgetUndo.run();
      try {
        backend.end(o.transaction, commit);
      } catch (TransactionEndedException e) {
        if (commit) {
          throw e;
        } // rolled back already (idle timeout, daemon lost): what the client wanted
      }
    } else {
      throw new TransactionEndedException("transaction " + o.transaction.id() + " has ended");
    }
  }

  /** This user's open transaction {@code id}; NOT_FOUND otherwise. */
  private Open require(CallContext context, ByteString id) {
    Open o = open.get(id.toString(StandardCharsets.UTF_8));
    if (o == null || !o.user.equals(context.peerIdentity())) {
      throw CallStatus.NOT_FOUND.withDescription("no open transaction " + id.toString(StandardCharsets.UTF_8)
          + " (it was committed, rolled back, or never begun)").toRuntimeException();
    }
    return o;
  }

  private static SqlBackend.Transaction touch(Open o) {
    o.lastUse = System.nanoTime();
    return o.transaction;
  }

  /**
   * The call's Flight session id; null if it has none. With {@code create}, a session is begun for
   * a call that carries cookies (its client keeps them, so it will send the session's back).
   */
  private static String session(CallContext context, boolean create) {
    ServerSessionMiddleware sessions = context.getMiddleware(KapuServer.SESSIONS);
    if (sessions == null) {
      return null;
    }
    if (sessions.hasSession() || (create && sessions.getCallHeaders().containsKey("cookie"))) {
      return sessions.getSession().id;
    }
    return null;
  }

  /** Forgets transactions the backend has rolled back for being idle (their records only). */
  private void forgetIdle() {
    long now = System.nanoTime();
    List<String> idle = new ArrayList<>();
    open.forEach((id, o) -> {
      if (now - o.lastUse > o.transaction.idleTimeout().toNanos() + FORGET_AFTER_NANOS) {
        idle.add(id);
      }
    });
    idle.forEach(open::remove);
  }
}
