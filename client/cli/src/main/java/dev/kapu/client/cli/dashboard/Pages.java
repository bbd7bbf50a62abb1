package dev.kapu.client.cli.dashboard;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.stream.Collectors;

/** The dashboard's static files, from the jar: read once, served by name, nothing else. */
final class Pages {
  private static final Map<String, String> TYPES = Map.of(
      "/index.html", "text/html; charset=utf-8",
      "/login.html", "text/html; charset=utf-8",
      "/dashboard.js", "text/javascript; charset=utf-8",
      "/login.js", "text/javascript; charset=utf-8",
      "/charts.js", "text/javascript; charset=utf-8",
      "/dashboard.css", "text/css; charset=utf-8");

  private final Map<String, byte[]> files;

  Pages() {
    files = TYPES.keySet().stream().collect(Collectors.toUnmodifiableMap(p -> p, Pages::read));
  }

  /** Whether {@code path} is a file anyone may fetch (scripts and styles: the data comes from /api). */
  boolean isAsset(String path) {
    return TYPES.containsKey(path) && !path.equals("/index.html");
  }

  void send(HttpExchange exchange, String path) throws IOException {
    Response.send(exchange, 200, TYPES.get(path), files.get(path));
  }

  private static byte[] read(String path) {
    try (InputStream in = Pages.class.getResourceAsStream(path.substring(1))) {
      if (in == null) {
        throw new IllegalStateException("the dashboard's " + path + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
