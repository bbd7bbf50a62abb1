package dev.kapu.flight.sql;

import dev.kapu.flight.status.BearerCookie;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  /** One user name and password; see {@link #users}. */
  public static CallHeaderAuthenticator basic(String user, String password) {
    return users(Map.of(user, password));
  }

  /**
   * User names and their passwords, checked on Handshake (HTTP basic) and exchanged for a bearer
   * token that later calls present, as the Flight SQL JDBC and ADBC drivers expect. The calls'
   * peer identity is then the user name. Every user is compared, in constant time, so neither the
   * time taken nor the message ("wrong user name or password") tells which part was wrong.
   */
  public static CallHeaderAuthenticator users(Map<String, String> passwords) {
    if (passwords.isEmpty()) {
      throw new IllegalArgumentException("no user");
    }
    // Digests are all as long, so comparing them takes the same time whatever was sent.
    List<byte[][]> digests = new ArrayList<>();
    passwords.forEach((user, password) -> digests.add(new byte[][] {sha256(user), sha256(password)}));
    return bearerCookie(new GeneratedBearerTokenAuthenticator(new BasicCallHeaderAuthenticator((user, password) -> {
      byte[] givenUser = sha256(user);
      byte[] givenPassword = sha256(password);
      boolean found = false;
      for (byte[][] known : digests) {
        found |= MessageDigest.isEqual(known[0], givenUser) & MessageDigest.isEqual(known[1], givenPassword);
      }
      if (!found) {
        throw CallStatus.UNAUTHENTICATED.withDescription("wrong user name or password").toRuntimeException();
      }
      return () -> user;
    })));
  }

  /**
   * The bearer token also travels as a cookie: set with the token, accepted in place of the
   * Authorization header. For the Java ADBC Flight SQL driver (0.20), whose bulk ingest sends its
   * prepared statement's DoPut without the header; with {@code
   * adbc.flight.sql.rpc.with_cookie_middleware=true} it sends the cookie.
   */
  private static CallHeaderAuthenticator bearerCookie(CallHeaderAuthenticator bearer) {
    return incoming -> {
      CallHeaders headers = incoming;
      String token = incoming.get(Auth2Constants.AUTHORIZATION_HEADER) == null ? BearerCookie.read(incoming) : null;
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
            outgoing.insert("set-cookie", BearerCookie.NAME + "=" + issued.substring(Auth2Constants.BEARER_PREFIX.length()));
          }
        }
      };
    };
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
