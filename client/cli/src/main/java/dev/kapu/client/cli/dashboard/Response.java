package dev.kapu.client.cli.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Writing the dashboard's answers, and reading its one form. */
final class Response {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** A login form is a name and a password: anything longer is refused unread. */
  private static final int MAX_FORM_BYTES = 8 << 10;

  private Response() {}

  /**
   * Headers on every answer: nothing is cached (the status changes by the second and is private),
   * nothing runs but the dashboard's own script, and no other site may frame the page.
   */
  static void securityHeaders(HttpExchange exchange) {
    var headers = exchange.getResponseHeaders();
    headers.set("Cache-Control", "no-store");
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("X-Frame-Options", "DENY");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'");
  }

  static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** {@code {"error": message}} with {@code status}. */
  static void error(HttpExchange exchange, int status, String message) throws IOException {
    send(exchange, status, "application/json", JSON.writeValueAsBytes(Map.of("error", message)));
  }

  /** 303 See Other to {@code location} on this server. */
  static void redirect(HttpExchange exchange, String location) throws IOException {
    exchange.getResponseHeaders().set("Location", location);
    exchange.sendResponseHeaders(303, -1);
  }

  /** The request's {@code application/x-www-form-urlencoded} body. */
  static Map<String, String> form(HttpExchange exchange) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readNBytes(MAX_FORM_BYTES + 1);
    }
    Map<String, String> fields = new HashMap<>();
    if (body.length > MAX_FORM_BYTES) {
      return fields;
    }
    for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        fields.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return fields;
  }
}
