package dev.kapu.flight.sql;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.auth2.Auth2Constants;
import org.apache.arrow.flight.auth2.BasicCallHeaderAuthenticator;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;
import org.apache.arrow.flight.auth2.GeneratedBearerTokenAuthenticator;

/** Authenticators for {@code KapuServer.Builder#headerAuthenticator}. */
public final class FlightSqlAuth {
  private FlightSqlAuth() {}

  /**
   * One user name and password, checked on Handshake (HTTP basic) and exchanged for a bearer
   * token that later calls present, as the Flight SQL JDBC and ADBC drivers expect.
   */
  public static CallHeaderAuthenticator basic(String user, String password) {
    byte[] expectedUser = user.getBytes(StandardCharsets.UTF_8);
    byte[] expectedPassword = password.getBytes(StandardCharsets.UTF_8);
    return bearerCookie(new GeneratedBearerTokenAuthenticator(new BasicCallHeaderAuthenticator((u, p) -> {
      boolean userOk = MessageDigest.isEqual(expectedUser, u.getBytes(StandardCharsets.UTF_8));
      boolean passwordOk = MessageDigest.isEqual(expectedPassword, p.getBytes(StandardCharsets.UTF_8));
      if (!(userOk & passwordOk)) {
        throw CallStatus.UNAUTHENTICATED.withDescription("wrong user name or password").toRuntimeException();
      }
      return () -> u;
    })));
  }

  /** The cookie that carries the bearer token for clients that keep cookies. */
  static final String BEARER_COOKIE = "kapu-bearer";

  /**
   * The bearer token also travels as a cookie: set with the token, accepted in place of the
   * Authorization header. For the Java ADBC Flight SQL driver (0.20), whose bulk ingest sends its
   * prepared statement's DoPut without the header; with {@code
   * adbc.flight.sql.rpc.with_cookie_middleware=true} it sends the cookie.
   */
  private static CallHeaderAuthenticator bearerCookie(CallHeaderAuthenticator bearer) {
    return incoming -> {
      CallHeaders headers = incoming;
      String token = incoming.get(Auth2Constants.AUTHORIZATION_HEADER) == null ? cookie(incoming) : null;
      if (token != null) {
        headers = new FlightCallHeaders();
        for (String key : incoming.keys()) {
          if (key.endsWith("-bin")) {
            for (byte[] value : incoming.getAllByte(key)) {
              headers.insert(key, value);
            }
          } else {
            for (String value : incoming.getAll(key)) {
              headers.insert(key, value);
            }
          }
        }
        headers.insert(Auth2Constants.AUTHORIZATION_HEADER, Auth2Constants.BEARER_PREFIX + token);
      }
      CallHeaderAuthenticator.AuthResult result = bearer.authenticate(headers);
      return new CallHeaderAuthenticator.AuthResult() {
        @Override
        public String getPeerIdentity() {
          return result.getPeerIdentity();
        }

        @Override
        public void appendToOutgoingHeaders(CallHeaders outgoing) {
          result.appendToOutgoingHeaders(outgoing);
          String issued = outgoing.get(Auth2Constants.AUTHORIZATION_HEADER);
          if (issued != null && issued.startsWith(Auth2Constants.BEARER_PREFIX)) {
            outgoing.insert("set-cookie", BEARER_COOKIE + "=" + issued.substring(Auth2Constants.BEARER_PREFIX.length()));
          }
        }
      };
    };
  }

  /** The bearer cookie's value in the request's Cookie headers, or null. */
  private static String cookie(CallHeaders headers) {
    if (!headers.containsKey("cookie")) {
      return null;
    }
    for (String header : headers.getAll("cookie")) {
      for (String pair : header.split(";")) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).trim().equals(BEARER_COOKIE)) {
          return pair.substring(eq + 1).trim();
        }
      }
    }
    return null;
  }
}
