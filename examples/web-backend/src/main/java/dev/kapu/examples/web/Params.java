package dev.kapu.examples.web;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A request's query parameters, read with the checks an HTTP API owes its callers: a missing,
 * repeated or malformed value is a {@link BadRequestException} that names the parameter and says
 * what was expected.
 */
final class Params {
  private final Map<String, String> values;

  private Params(Map<String, String> values) {
    this.values = values;
  }

  static Params of(URI uri) {
    Map<String, String> values = new HashMap<>();
    String query = uri.getRawQuery();
    if (query == null || query.isEmpty()) {
      return new Params(values);
    }
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (values.putIfAbsent(name, value) != null) {
        throw new BadRequestException("parameter '" + name + "' is given more than once");
      }
    }
    return new Params(values);
  }

  /** The integer {@code name}, which must be present and within {@code [min, max]}. */
  int integer(String name, int min, int max) {
    String expected = "an integer from " + min + " to " + max;
    String raw = values.get(name);
    if (raw == null || raw.isEmpty()) {
      throw new BadRequestException("missing parameter '" + name + "': " + expected);
    }
    int value;
    try {
      value = Integer.parseInt(raw);
    } catch (NumberFormatException e) {
      throw new BadRequestException("parameter '" + name + "' must be " + expected + ", not '" + raw + "'");
    }
    if (value < min || value > max) {
      throw new BadRequestException("parameter '" + name + "' must be " + expected + ", not " + value);
    }
    return value;
  }

  /** The text {@code name} if present; longer than {@code maxLength} characters is a mistake. */
  Optional<String> text(String name, int maxLength) {
    String value = values.get(name);
    if (value != null && value.length() > maxLength) {
      throw new BadRequestException("parameter '" + name + "' must be at most " + maxLength
          + " characters long, not " + value.length());
    }
    return Optional.ofNullable(value);
  }

  /** A {@link URI}'s raw query holds only well-formed escapes, so decoding it cannot fail. */
  private static String decode(String raw) {
    return URLDecoder.decode(raw, StandardCharsets.UTF_8);
  }
}
