package dev.kapu.client.launch;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads a provider's settings, refusing keys it does not know. */
final class Settings {
  private final String launcher;
  private final Map<String, String> values;
  private final Set<String> unread;

  Settings(String launcher, Map<String, String> values) {
    this.launcher = launcher;
    this.values = values;
    this.unread = new HashSet<>(values.keySet());
  }

  String get(String key) {
    unread.remove(key);
    String v = values.get(key);
    return v == null || v.isBlank() ? null : v.strip();
  }

  Integer integer(String key) {
    String v = get(key);
    try {
      return v == null ? null : Integer.valueOf(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(launcher + " launcher: " + key + " must be a whole number, not '" + v + "'");
    }
  }

  Duration duration(String key) {
    String v = get(key);
    if (v == null) {
      return null;
    }
    try {
      return v.startsWith("P") || v.startsWith("p") ? Duration.parse(v) : Duration.ofSeconds(Long.parseLong(v));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(launcher + " launcher: " + key
          + " must be seconds or an ISO-8601 duration (PT1H), not '" + v + "'");
    }
  }

  /**
   * A list separated by {@code separatorRegex} or by newlines (a config file's YAML list arrives
   * one item a line); empty if absent.
   */
  List<String> list(String key, String separatorRegex) {
    String v = get(key);
    if (v == null) {
      return List.of();
    }
    return Arrays.stream(v.split("(?:" + separatorRegex + ")|\\n")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  void done() {
    if (!unread.isEmpty()) {
      throw new IllegalArgumentException(launcher + " launcher: unknown setting(s) " + new java.util.TreeSet<>(unread));
    }
  }
}
