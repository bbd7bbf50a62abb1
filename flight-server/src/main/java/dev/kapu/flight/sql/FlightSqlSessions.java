package dev.kapu.flight.sql;

import dev.kapu.api.AccessRight;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.ErrorStatuses;
import dev.kapu.flight.KapuServer;
import dev.kapu.flight.status.ClientSessions;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.CloseSessionResult;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.FlightProducer.StreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.GetSessionOptionsResult;
import org.apache.arrow.flight.ServerSessionMiddleware;
import org.apache.arrow.flight.SessionOptionValue;
import org.apache.arrow.flight.SetSessionOptionsRequest;
import org.apache.arrow.flight.SetSessionOptionsResult;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionBeginTransactionResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flight SQL client's session: its options ({@link SqlSessionOptions}), the catalog its
 * statements run on and its user's right there, the transactions it begins on that catalog, and its
 * close, which rolls back its transactions. A catalog its user holds no right on is neither listed
 * nor choosable, as an unknown one.
 */
final class FlightSqlSessions {
  private static final Logger log = LoggerFactory.getLogger(FlightSqlSessions.class);

  private final SqlBackend backend;
  private final AccessControl access;
  private final FlightSqlTransactions transactions;

  FlightSqlSessions(SqlBackend backend, AccessControl access, FlightSqlTransactions transactions) {
    this.backend = backend;
    this.access = access;
    this.transactions = transactions;
  }

  // ---- the session calls ----------------------------------------------------------------------

  void setOptions(SetSessionOptionsRequest request, CallContext context,
      StreamListener<SetSessionOptionsResult> listener) {
    try {
      listener.onNext(SqlSessionOptions.apply(request, context, visibleCatalogs(context)));
      listener.onCompleted();
    } catch (FlightRuntimeException e) {
      log.info("refused session options {} to user '{}': {}", request.getSessionOptions().keySet(),
          context.peerIdentity(), e.getMessage());
      listener.onError(e);
    }
  }

  static void getOptions(CallContext context, StreamListener<GetSessionOptionsResult> listener) {
    ServerSessionMiddleware sessions = context.getMiddleware(KapuServer.SESSIONS);
    Map<String, SessionOptionValue> options = sessions != null && sessions.hasSession()
        ? sessions.getSession().getSessionOptions()
        : Map.of();
    listener.onNext(new GetSessionOptionsResult(options));
    listener.onCompleted();
  }

  void close(CallContext context, StreamListener<CloseSessionResult> listener) {
    ServerSessionMiddleware sessions = context.getMiddleware(KapuServer.SESSIONS);
    if (sessions != null && sessions.hasSession()) {
      transactions.sessionClosed(context); // rolls back the session's transactions
      sessions.closeSession();
    }
    ClientSessions.closed(context);
    listener.onNext(new CloseSessionResult(CloseSessionResult.Status.CLOSED));
    listener.onCompleted();
  }

  /** BeginTransaction: a transaction on the session's catalog, as this user may use it. */
  void beginTransaction(CallContext context, StreamListener<ActionBeginTransactionResult> listener) {
    try {
      String catalog = catalog(context);
      transactions.begin(context, catalog, readOnly(context, catalog), listener);
    } catch (RuntimeException e) {
      listener.onError(ErrorStatuses.of(e));
    }
  }

  // ---- the session's catalog ------------------------------------------------------------------

  /** The catalogs this call's user may see, the default first. */
  List<String> visibleCatalogs(CallContext context) {
    return access.visible(context.peerIdentity(), backend.catalogs());
  }

  /** The catalog this client's session chose with the session option {@code catalog}; null if none. */
  static String chosenCatalog(CallContext context) {
    return SqlSessionOptions.get(context, SqlSessionOptions.CATALOG);
  }

  /** The catalog this client's session chose (session option {@code catalog}), else the user's default. */
  String catalog(CallContext context) {
    String chosen = chosenCatalog(context);
    if (chosen != null) {
      return chosen;
    }
    List<String> visible = visibleCatalogs(context);
    if (visible.isEmpty()) {
      throw CallStatus.NOT_FOUND.withDescription("user '" + context.peerIdentity() + "' may use no catalog")
          .toRuntimeException();
    }
    return visible.get(0);
  }

  /** Whether this call's user may only read {@code catalog}; NOT_FOUND if they may not even read it. */
  boolean readOnly(CallContext context, String catalog) {
    access.check(context.peerIdentity(), catalog, AccessRight.READ);
    return !access.right(context.peerIdentity(), catalog).covers(AccessRight.WRITE);
  }

  /** The session's catalog and this user's right on it; null once {@code listener} has the refusal. */
  FlightSqlMetadata.SessionCatalog catalog(CallContext context, ServerStreamListener listener) {
    try {
      String catalog = catalog(context);
      return new FlightSqlMetadata.SessionCatalog(catalog, readOnly(context, catalog));
    } catch (FlightRuntimeException e) {
      listener.error(e);
      return null;
    }
  }
}
