package dev.kapu.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Jackson's binding errors in a config file's words: the key as written ({@code controller.maxWorkers}),
 * what it should be, and what it was; never a Java class name.
 */
final class ConfigMistakes {
  private static final Map<Class<?>, String> EXPECTED = Map.of(
      Integer.class, "a whole number", Long.class, "a whole number", String.class, "a value",
      Path.class, "a path", List.class, "a list of values", Map.class, "a mapping");

  private ConfigMistakes() {}

  /** What is wrong, under the section {@code section}. */
  static String describe(String section, JsonProcessingException e) {
    if (!(e instanceof JsonMappingException m)) {
      return section + ": " + e.getOriginalMessage();
    }
    String key = path(section, m);
    if (m instanceof UnrecognizedPropertyException u) {
      String known = u.getKnownPropertyIds() == null ? ""
          : " (expected: " + u.getKnownPropertyIds().stream().map(String::valueOf).sorted()
              .collect(Collectors.joining(", ")) + ")";
      return section + " has unknown key '" + u.getPropertyName() + "'" + known;
    }
    if (m instanceof InvalidFormatException f) {
      return key + " must be " + expected(f.getTargetType()) + ", not '" + f.getValue() + "'";
    }
    if (key.startsWith(section + ".settings.")) {
      return key + " must be a value or a list of values";
    }
    if (m instanceof MismatchedInputException i) {
      return key + " must be " + expected(i.getTargetType());
    }
    return key + " cannot be read";
  }

  private static String path(String section, JsonMappingException m) {
    StringBuilder key = new StringBuilder(section);
    for (JsonMappingException.Reference r : m.getPath()) {
      if (r.getFieldName() != null) {
        key.append('.').append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        key.append('[').append(r.getIndex()).append(']');
      }
    }
    return key.toString();
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "of another form";
    }
    for (var e : EXPECTED.entrySet()) {
      if (e.getKey().isAssignableFrom(type)) {
        return e.getValue();
      }
    }
    return "of another form";
  }
}
