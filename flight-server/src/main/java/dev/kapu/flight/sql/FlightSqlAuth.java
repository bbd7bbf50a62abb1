package dev.kapu.flight.sql;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.CallStatus;
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
    return new GeneratedBearerTokenAuthenticator(new BasicCallHeaderAuthenticator((user, password) -> {
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
    }));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
