package dev.kapu.flight.status;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallInfo;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightMethod;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.apache.arrow.flight.RequestContext;
import org.apache.arrow.flight.auth2.Auth2Constants;

/**
 * Finds each Flight call's {@link ClientSession} by the bearer token it presents (the Authorization
 * header, or the bearer cookie of clients that send that instead), and refuses the calls of a
 * session an administrator ended. Installed after the authenticating middleware, whose peer
 * identity names the session's user.
 */
public final class SessionMiddleware implements FlightServerMiddleware {
  /** The header the server's transport writes the client's address in (a client's own is replaced). */
  public static final String PEER_ADDRESS_HEADER = "x-kapu-peer-address";

  private final ClientSessions registry;
  private final ClientSession session;
  private final boolean kapuToken;

  SessionMiddleware(ClientSessions registry, ClientSession session, boolean kapuToken) {
    this.registry = registry;
    this.session = session;
    this.kapuToken = kapuToken;
  }

  /** The server's sessions. */
  ClientSessions registry() {
    return registry;
  }

  /** Whether the call presented the server's own token (the operator's tools): it may do everything. */
  public boolean presentedKapuToken() {
    return kapuToken;
  }

  /** The call's session; null for a call without a bearer token. */
  public ClientSession session() {
    return session;
  }

  @Override
  public void onBeforeSendingHeaders(CallHeaders outgoingHeaders) {}

  @Override
  public void onCallCompleted(CallStatus status) {}

  @Override
  public void onCallErrored(Throwable err) {}

  /** Makes the middleware of each call. */
  public static final class Factory implements FlightServerMiddleware.Factory<SessionMiddleware> {
    private final ClientSessions sessions;
    private final String kapuToken;

    /** @param kapuToken the server's own token: calls presenting it are the operator's tools, no session */
    public Factory(ClientSessions sessions, String kapuToken) {
      this.sessions = sessions;
      this.kapuToken = kapuToken;
    }

    @Override
    public SessionMiddleware onCallStarted(CallInfo info, CallHeaders incoming, RequestContext context) {
      String token = bearer(incoming);
      if (token == null) {
        return new SessionMiddleware(sessions, null, false);
      }
      if (MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), kapuToken.getBytes(StandardCharsets.UTF_8))) {
        return new SessionMiddleware(sessions, null, true);
      }
      String user = context.get(Auth2Constants.PEER_IDENTITY_KEY);
      String address = incoming.get(PEER_ADDRESS_HEADER);
      ClientSession session = sessions.session(token, user == null ? "" : user, address == null ? "" : address);
      String admin = session.endedBy();
      if (admin != null) {
        throw CallStatus.UNAUTHENTICATED.withDescription("this session (" + session.id() + ") was ended by"
            + " administrator '" + admin + "' at " + Instant.ofEpochMilli(session.endedAtMillis())
            + "; connect again to start a new one").toRuntimeException();
      }
      if (info.method() != FlightMethod.DO_ACTION && info.method() != FlightMethod.HANDSHAKE) {
        session.list();
      }
      return new SessionMiddleware(sessions, session, false);
    }

    /** The bearer token of the call, from its Authorization header or its bearer cookie; null if none. */
    static String bearer(CallHeaders headers) {
      String authorization = headers.get(Auth2Constants.AUTHORIZATION_HEADER);
      if (authorization != null && authorization.startsWith(Auth2Constants.BEARER_PREFIX)) {
        return authorization.substring(Auth2Constants.BEARER_PREFIX.length());
      }
      return BearerCookie.read(headers);
    }
  }
}
