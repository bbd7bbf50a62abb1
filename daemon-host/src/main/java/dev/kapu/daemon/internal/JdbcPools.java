package dev.kapu.daemon.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.kapu.api.ResourceSpec;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;

/**
 * Opens the HikariCP pool behind the {@code jdbc} kind and the JDBC flavour of the {@code adbc}
 * kind. Options: {@code url} (required), {@code user}, {@code password}, {@code poolSize} (default
 * 4), {@code minIdle} (default 0), {@code driverClassName}, {@code connectionTimeoutMs} (how long a
 * task waits for a free connection, default 30000), and {@code property.NAME} for driver
 * properties (e.g. {@code property.ssl: "true"}).
 *
 * <p>The pool opens and checks one connection before it is returned, so an unreachable database,
 * a wrong password or a bad URL fails at daemon start rather than in the first task.
 */
final class JdbcPools {
  private JdbcPools() {}

  static HikariDataSource open(ResourceSpec spec, Map<String, String> extraDriverProperties) throws SQLException {
    String url = spec.requireOption("url");
    HikariConfig config = new HikariConfig();
    config.setPoolName("kapu-" + spec.name());
    config.setJdbcUrl(url);
    String user = spec.option("user", null);
    if (user != null) {
      config.setUsername(user);
    }
    String password = spec.option("password", null);
    if (password != null) {
      config.setPassword(password);
    }
    String driverClassName = spec.option("driverClassName", null);
    if (driverClassName != null) {
      config.setDriverClassName(driverClassName);
    }
    config.setMaximumPoolSize(positive(spec, "poolSize", 4));
    config.setMinimumIdle(Math.min(nonNegative(spec, "minIdle", 0), config.getMaximumPoolSize()));
    String timeout = spec.option("connectionTimeoutMs", null);
    if (timeout != null) {
      config.setConnectionTimeout(positive(spec, "connectionTimeoutMs", 30_000));
    }
    // Construction takes one connection and checks it: fail at open, not in the first task.
    config.setInitializationFailTimeout(1);
    config.setRegisterMbeans(false);
    extraDriverProperties.forEach(config::addDataSourceProperty);
    for (String key : spec.options().keySet()) {
      if (key.startsWith("property.") && key.length() > "property.".length()) {
        config.addDataSourceProperty(key.substring("property.".length()), spec.option(key, ""));
      }
    }
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      // PoolInitializationException (unreachable, refused, bad credentials) or a URL no driver
      // accepts: say which URL, without its password, and why.
      throw new SQLException("cannot open a pool on " + redact(url) + ": " + redact(causes(e)), e);
    }
  }

  /** Whether the URL is PostgreSQL's, for the driver settings that make pgJDBC stream. */
  static boolean isPostgres(String url) {
    return url.toLowerCase(Locale.ROOT).startsWith("jdbc:postgresql:");
  }

  /** The URL with any {@code password=} parameter blanked, for messages. */
  static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }

  static int positive(ResourceSpec spec, String key, int fallback) {
    int value = integer(spec, key, fallback);
    if (value <= 0) {
      throw new IllegalArgumentException("resource '" + spec.name() + "' option '" + key + "' must be > 0, not " + value);
    }
    return value;
  }

  static int nonNegative(ResourceSpec spec, String key, int fallback) {
    int value = integer(spec, key, fallback);
    if (value < 0) {
      throw new IllegalArgumentException("resource '" + spec.name() + "' option '" + key + "' must be >= 0, not " + value);
    }
    return value;
  }

  private static int integer(ResourceSpec spec, String key, int fallback) {
    String text = spec.option(key, null);
    if (text == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("resource '" + spec.name() + "' option '" + key
          + "' must be a whole number, not '" + text + "'", e);
    }
  }

  /** The distinct messages down the cause chain, joined. */
  static String causes(Throwable e) {
    StringBuilder out = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage();
      if (message != null && !message.isBlank() && out.indexOf(message) < 0) {
        if (out.length() > 0) {
          out.append(": ");
        }
        out.append(message);
      }
    }
    return out.length() == 0 ? e.getClass().getName() : out.toString();
  }
}
