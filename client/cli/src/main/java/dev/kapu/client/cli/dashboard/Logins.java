package dev.kapu.client.cli.dashboard;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.apache.arrow.flight.grpc.CredentialCallOption;

/**
 * Who is logged in to the dashboard: a browser by its session cookie, a scraper by its HTTP Basic
 * header. Each maps to the bearer token the server issued when that user logged in (or to the Kapu
 * token, for an operator who logged in with it), and nothing else: no password is kept. Both maps are bounded and forget what goes unused.
 */
final class Logins {
  /** The session cookie's name. */
  static final String COOKIE = "kapu-dashboard";

  /** The name shown for a login with the Kapu token rather than a user's name and password. */
  static final String TOKEN_USER = "(Kapu token)";

  /** A logged-in user: the name, and the server's token for them. */
  record Login(String user, CredentialCallOption bearer) {}

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Cache<String, Login> sessions;
  /** By the SHA-256 of the Authorization header, so that a scrape does not log in to the server each time. */
  private final Cache<String, Login> basic;

  Logins(Duration idle, int maxSessions) {
    sessions = CacheBuilder.newBuilder().expireAfterAccess(idle).maximumSize(maxSessions).build();
    basic = CacheBuilder.newBuilder().expireAfterWrite(Duration.ofMinutes(10)).maximumSize(maxSessions).build();
  }

  /** Opens a session for {@code login}; the cookie value that names it (32 random bytes, URL-safe base64). */
  String open(Login login) {
    byte[] id = new byte[32];
    RANDOM.nextBytes(id);
    String cookie = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    sessions.put(cookie, login);
    return cookie;
  }

  /** The session a {@code Cookie} request header names, if it is open. */
  Optional<Login> bySessionCookie(String cookieHeader) {
    String id = cookieValue(cookieHeader);
    return id == null ? Optional.empty() : Optional.ofNullable(sessions.getIfPresent(id));
  }

  /** Ends the session a {@code Cookie} header names (log out, or the server no longer knows its token). */
  void close(String cookieHeader) {
    String id = cookieValue(cookieHeader);
    if (id != null) {
      sessions.invalidate(id);
    }
  }

  /** The login remembered for this {@code Authorization: Basic} header. */
  Optional<Login> byBasicHeader(String authorization) {
    return Optional.ofNullable(basic.getIfPresent(digest(authorization)));
  }

  void rememberBasic(String authorization, Login login) {
    basic.put(digest(authorization), login);
  }

  void forgetBasic(String authorization) {
    basic.invalidate(digest(authorization));
  }

  /** The dashboard cookie's value in a {@code Cookie} header, or null. */
  static String cookieValue(String cookieHeader) {
    if (cookieHeader == null) {
      return null;
    }
    for (String pair : cookieHeader.split(";")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).trim().equals(COOKIE)) {
        return pair.substring(eq + 1).trim();
      }
    }
    return null;
  }

  /** The token of an {@code Authorization: Bearer} header, or empty if it is none. */
  static Optional<String> bearerToken(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }

  /**
   * The user name and password of an {@code Authorization: Basic} header, or empty if it is none
   * or malformed.
   */
  static Optional<String[]> basicCredentials(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return Optional.empty();
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    int colon = decoded.indexOf(':');
    return colon < 0 ? Optional.empty() : Optional.of(new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)});
  }

  private static String digest(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
