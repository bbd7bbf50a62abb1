package dev.kapu.flight.sql;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.apache.arrow.flight.CallStatus;
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
    return new GeneratedBearerTokenAuthenticator(new BasicCallHeaderAuthenticator((u, p) -> {
      boolean userOk = MessageDigest.isEqual(expectedUser, u.getBytes(StandardCharsets.UTF_8));
      boolean passwordOk = MessageDigest.isEqual(expectedPassword, p.getBytes(StandardCharsets.UTF_8));
      if (!(userOk & passwordOk)) {
        throw CallStatus.UNAUTHENTICATED.withDescription("wrong user name or password").toRuntimeException();
      }
      return () -> u;
    }));
  }
}
