package dev.kapu.flight;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kapu.flight.status.ClientSession;
import dev.kapu.flight.status.ClientSessions;
import dev.kapu.flight.status.SessionMiddleware;
import dev.kapu.flight.status.StatementLog;
import dev.kapu.flight.status.StatementRun;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Predicate;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.ActionType;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightProducer.StreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.Result;

/**
 * The operator's Flight actions: {@value #STATUS} (what the server is doing, as JSON: {@link
 * dev.kapu.flight.status.StatusReport}), {@value #CANCEL_STATEMENT}, {@value #KILL_SESSION} and
 * {@value #CANCEL_TASK} (each with the id as its body). Only the Kapu token or a user with the
 * admin right may call them; every cancel and kill is logged on {@code kapu.audit.admin}.
 */
final class StatusActions {
  static final String STATUS = "kapu.status";
  static final String CANCEL_STATEMENT = "kapu.cancel-statement";
  static final String KILL_SESSION = "kapu.kill-session";
  static final String CANCEL_TASK = "kapu.cancel-task";
  /** The identity the status and the audit log give a caller that presented the Kapu token. */
  static final String TOKEN_CALLER = "(kapu token)";

  static final List<ActionType> TYPES = List.of(
      new ActionType(STATUS, "The server's daemons, tasks, sessions and counters, as JSON (admins only)"),
      new ActionType(CANCEL_STATEMENT, "Cancel a running Flight SQL statement by its id (admins only)"),
      new ActionType(KILL_SESSION, "End a Flight SQL session by its id: its statements stop, its transactions"
          + " roll back (admins only)"),
      new ActionType(CANCEL_TASK, "Cancel a queued or running task by its id (admins only)"));

  /** The result of a cancel or kill. */
  record Done(String action, String id, String by) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final StatusAssembly status;
  private final ClientSessions sessions;
  private final Dispatcher dispatcher;
  private final Predicate<String> admins;
  private final boolean authenticated;

  /**
   * @param admins the users holding the admin right
   * @param authenticated whether Flight calls are authenticated; without, no user is known and only
   *     the Kapu token may call these (an open port must not let anyone cancel others' tasks)
   */
  StatusActions(Dispatcher dispatcher, ClientSessions sessions, Predicate<String> admins, boolean authenticated) {
    this.status = new StatusAssembly(dispatcher, sessions);
    this.dispatcher = dispatcher;
    this.sessions = sessions;
    this.admins = admins;
    this.authenticated = authenticated;
  }

  static boolean handles(String type) {
    return TYPES.stream().anyMatch(t -> t.getType().equals(type));
  }

  void doAction(CallContext context, Action action, StreamListener<Result> listener) {
    try {
      String caller = admin(context, action.getType());
      String id = action.getBody() == null ? "" : new String(action.getBody(), StandardCharsets.UTF_8).trim();
      Object answer = switch (action.getType()) {
        case STATUS -> status.report();
        case CANCEL_STATEMENT -> cancelStatement(caller, id);
        case KILL_SESSION -> killSession(caller, id);
        case CANCEL_TASK -> cancelTask(caller, id);
        default -> throw CallStatus.UNIMPLEMENTED.withDescription("unknown action " + action.getType()).toRuntimeException();
      };
      listener.onNext(new Result(JSON.writeValueAsBytes(answer)));
      listener.onCompleted();
    } catch (FlightRuntimeException e) {
      listener.onError(e);
    } catch (JsonProcessingException | RuntimeException e) {
      listener.onError(CallStatus.INTERNAL.withDescription("the status could not be written: " + e.getMessage())
          .withCause(e).toRuntimeException());
    }
  }

  /** Who calls, if they may: the Kapu token, or a user with the admin right; PERMISSION_DENIED otherwise. */
  private String admin(CallContext context, String action) {
    SessionMiddleware call = context.getMiddleware(ClientSessions.KEY);
    if (call != null && call.presentedKapuToken()) {
      return TOKEN_CALLER;
    }
    String user = context.peerIdentity();
    if (authenticated && admins.test(user)) {
      return user;
    }
    throw CallStatus.UNAUTHORIZED.withDescription(!authenticated
        ? action + " needs the Kapu token (this server authenticates no users)"
        : "user '" + user + "' may not call " + action + ": it needs the admin right (admin: true under the user"
            + " in the config's users:) or the Kapu token").toRuntimeException();
  }

  private Done cancelStatement(String caller, String id) {
    StatementRun run = sessions.running(id);
    if (run == null) {
      StatementLog.adminAction(caller, CANCEL_STATEMENT, id, "not found");
      throw CallStatus.NOT_FOUND.withDescription("no running statement " + quoted(id)).toRuntimeException();
    }
    run.cancel("cancelled by administrator '" + caller + "'");
    StatementLog.adminAction(caller, CANCEL_STATEMENT, id, "cancelled");
    return new Done(CANCEL_STATEMENT, id, caller);
  }

  private Done killSession(String caller, String id) {
    ClientSession session = sessions.byId(id);
    if (session == null || !session.end(caller)) {
      StatementLog.adminAction(caller, KILL_SESSION, id, "not found");
      throw CallStatus.NOT_FOUND.withDescription("no open session " + quoted(id)).toRuntimeException();
    }
    StatementLog.adminAction(caller, KILL_SESSION, id, "ended the session of user '" + session.user() + "'");
    return new Done(KILL_SESSION, id, caller);
  }

  private Done cancelTask(String caller, String id) {
    boolean cancelled;
    try {
      cancelled = dispatcher.cancelTask(Long.parseLong(id));
    } catch (NumberFormatException e) {
      cancelled = false;
    }
    if (!cancelled) {
      StatementLog.adminAction(caller, CANCEL_TASK, id, "not found");
      throw CallStatus.NOT_FOUND.withDescription("no queued or running task " + quoted(id)).toRuntimeException();
    }
    StatementLog.adminAction(caller, CANCEL_TASK, id, "cancelled");
    return new Done(CANCEL_TASK, id, caller);
  }

  private static String quoted(String id) {
    return "'" + (id.length() > 80 ? id.substring(0, 80) + "..." : id) + "'";
  }
}
