package dev.kapu.api;

import java.util.Map;
import java.util.Objects;

/**
 * A resource a daemon hosts, as declared in {@code kapu.yaml} or in Java.
 *
 * <pre>{@code
 * resources:
 *   warehouse:
 *     kind: duckdb
 *     placement: replicated        # opened on every daemon (default)
 *     options: { path: /data/warehouse.duckdb, readOnly: "true" }
 *   pg:
 *     kind: jdbc
 *     options: { url: "jdbc:postgresql://db/sales", user: app, password: "${PG_PASSWORD}", poolSize: "8" }
 * }</pre>
 *
 * Option values may name environment variables as {@code ${NAME}}; they are resolved on the
 * daemon, so secrets stay out of files and command lines.
 *
 * @param name how tasks and queries refer to it
 * @param kind which {@link dev.kapu.daemon.spi.ResourceKind} opens it ({@code duckdb}, {@code jdbc}, ...)
 * @param placement on every daemon, or on one
 * @param options what the kind needs (URL, path, pool size, ...)
 */
public record ResourceSpec(String name, String kind, Placement placement, Map<String, String> options) {

  /** Where a resource lives. */
  public enum Placement {
    /** Opened on every daemon: a connection pool, a read-only database file. */
    REPLICATED,
    /** Opened on one daemon: a read-write database, tables in memory. */
    PINNED
  }

  public ResourceSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    if (!name.matches("[A-Za-z_][A-Za-z0-9_.-]*")) {
      throw new IllegalArgumentException("resource name '" + name + "' must be letters, digits, _ . -");
    }
    placement = placement == null ? Placement.REPLICATED : placement;
    options = Map.copyOf(options == null ? Map.of() : options);
  }

  public static ResourceSpec replicated(String name, String kind, Map<String, String> options) {
    return new ResourceSpec(name, kind, Placement.REPLICATED, options);
  }

  public static ResourceSpec pinned(String name, String kind, Map<String, String> options) {
    return new ResourceSpec(name, kind, Placement.PINNED, options);
  }

  /** An option with {@code ${ENV}} references resolved, or {@code fallback} when absent. */
  public String option(String key, String fallback) {
    String value = options.get(key);
    return value == null ? fallback
        : Environment.resolve(value, "resource '" + name + "' option '" + key + "'", "this daemon");
  }

  /** A required option, resolved; a missing one is an error naming the resource. */
  public String requireOption(String key) {
    String value = option(key, null);
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("resource '" + name + "' (" + kind + ") needs option '" + key + "'");
    }
    return value;
  }

  /** Resolves {@code ${NAME}} from the environment. */
  static final class Environment {
    private Environment() {}

    /**
     * @param what what the value is, for messages ("resource 'pg' option 'password'")
     * @param where whose environment this is, for messages ("this daemon")
     */
    static String resolve(String value, String what, String where) {
      StringBuilder out = new StringBuilder();
      int i = 0;
      while (i < value.length()) {
        int start = value.indexOf("${", i);
        if (start < 0) {
          out.append(value, i, value.length());
          break;
        }
        int end = value.indexOf('}', start);
        if (end < 0) {
          throw new IllegalArgumentException(what + ": unclosed ${");
        }
        String variable = value.substring(start + 2, end);
        String resolved = System.getenv(variable);
        if (resolved == null) {
          throw new IllegalArgumentException(what + " names environment variable " + variable
              + ", which is not set on " + where);
        }
        out.append(value, i, start).append(resolved);
        i = end + 1;
      }
      return out.toString();
    }
  }
}
