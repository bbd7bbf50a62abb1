package dev.kapu.flight.status;

import org.apache.arrow.flight.CallHeaders;

/**
 * The cookie that carries a call's bearer token for clients that keep cookies instead of sending
 * the Authorization header (the Java ADBC Flight SQL driver's bulk ingest): the authenticator accepts
 * it, and the session registry finds the session by it.
 */
public final class BearerCookie {
  /** The cookie's name. */
  public static final String NAME = "kapu-bearer";

  private BearerCookie() {}

  /** The bearer cookie's value in the request's Cookie headers, or null. */
  public static String read(CallHeaders headers) {
    if (!headers.containsKey("cookie")) {
      return null;
    }
    for (String header : headers.getAll("cookie")) {
      for (String pair : header.split(";")) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).trim().equals(NAME)) {
          return pair.substring(eq + 1).trim();
        }
      }
    }
    return null;
  }
}
