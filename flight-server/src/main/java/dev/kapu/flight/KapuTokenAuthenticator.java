package dev.kapu.flight;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.auth2.Auth2Constants;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;

/**
 * Lets the Kapu token through as a bearer token on Flight calls, beside the users' logins: the
 * operator's tools ({@code kapu status}) present it. Anything else goes to the users' authenticator.
 */
final class KapuTokenAuthenticator {
  private KapuTokenAuthenticator() {}

  static CallHeaderAuthenticator around(CallHeaderAuthenticator users, String token, String identity) {
    byte[] expected = (Auth2Constants.BEARER_PREFIX + token).getBytes(StandardCharsets.UTF_8);
    return incoming -> {
      String authorization = incoming.get(Auth2Constants.AUTHORIZATION_HEADER);
      if (authorization != null
          && MessageDigest.isEqual(authorization.getBytes(StandardCharsets.UTF_8), expected)) {
        return new CallHeaderAuthenticator.AuthResult() {
          @Override
          public String getPeerIdentity() {
            return identity;
          }

          @Override
          public void appendToOutgoingHeaders(CallHeaders outgoing) {}
        };
      }
      return users.authenticate(incoming);
    };
  }
}
