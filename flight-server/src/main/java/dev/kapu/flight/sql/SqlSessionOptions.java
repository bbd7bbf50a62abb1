package dev.kapu.flight.sql;

import dev.kapu.flight.KapuServer;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.NoOpSessionOptionValueVisitor;
import org.apache.arrow.flight.ServerSessionMiddleware;
import org.apache.arrow.flight.SessionOptionValue;
import org.apache.arrow.flight.SessionOptionValueFactory;
import org.apache.arrow.flight.SetSessionOptionsRequest;
import org.apache.arrow.flight.SetSessionOptionsResult;

/**
 * The Flight SQL session options Kapu understands: {@value #CATALOG} (the catalog statements run
 * on; the JDBC driver's {@code catalog} property) and {@value #KEEP_DICTIONARIES}. A refused value
 * fails the whole call with Kapu's reason: the per-option errors of the protocol carry no text,
 * and the 18.3 JDBC driver turns them into "Check log for details".
 */
public final class SqlSessionOptions {
  public static final String CATALOG = "catalog";
  /**
   * {@code true} keeps dictionary-encoded columns (DuckDB's ENUMs) encoded, for clients that read
   * dictionaries; by default they go out as their values, since the JDBC driver would read indices.
   */
  public static final String KEEP_DICTIONARIES = "kapu.keep_dictionaries";

  private static final NoOpSessionOptionValueVisitor<String> TEXT = new NoOpSessionOptionValueVisitor<>() {
    @Override
    public String visit(String value) {
      return value;
    }

    @Override
    public String visit(boolean value) {
      return Boolean.toString(value);
    }
  };

  private SqlSessionOptions() {}

  /**
   * Applies {@code request} to the caller's session: options Kapu does not know are reported as
   * such; a catalog the user may not see, or a value an option does not take, fails the call.
   *
   * @param visible the catalogs the caller may use
   */
  static SetSessionOptionsResult apply(SetSessionOptionsRequest request, CallContext context, List<String> visible) {
    ServerSessionMiddleware sessions = context.getMiddleware(KapuServer.SESSIONS);
    if (sessions == null) {
      throw CallStatus.UNIMPLEMENTED.withDescription("this server keeps no sessions").toRuntimeException();
    }
    Map<String, SetSessionOptionsResult.Error> errors = new HashMap<>();
    Map<String, SessionOptionValue> accepted = new HashMap<>();
    request.getSessionOptions().forEach((name, value) -> {
      String text = value.acceptVisitor(TEXT);
      switch (name) {
        case CATALOG -> {
          if (text == null || !visible.contains(text)) {
            throw CallStatus.NOT_FOUND.withDescription("unknown catalog '" + text + "'; user '"
                + context.peerIdentity() + "' may use: " + String.join(", ", visible)).toRuntimeException();
          }
          accepted.put(name, value);
        }
        case KEEP_DICTIONARIES -> accepted.put(name, SessionOptionValueFactory.makeSessionOptionValue(flag(text)));
        default -> errors.put(name, new SetSessionOptionsResult.Error(SetSessionOptionsResult.ErrorValue.INVALID_NAME));
      }
    });
    accepted.forEach(sessions.getSession()::setSessionOption); // all or nothing
    return new SetSessionOptionsResult(errors);
  }

  private static boolean flag(String text) {
    String t = text == null ? "" : text.toLowerCase(Locale.ROOT);
    if (!t.equals("true") && !t.equals("false")) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("session option " + KEEP_DICTIONARIES
          + " takes true or false, not '" + text + "'").toRuntimeException();
    }
    return t.equals("true");
  }

  /** The caller's session option {@code name} as text; null if unset or without a session. */
  static String get(CallContext context, String name) {
    ServerSessionMiddleware sessions = context.getMiddleware(KapuServer.SESSIONS);
    if (sessions != null && sessions.hasSession()) {
      SessionOptionValue value = sessions.getSession().getSessionOption(name);
      return value == null ? null : value.acceptVisitor(TEXT);
    }
    return null;
  }

  /** Whether the caller's session keeps dictionaries encoded. */
  static boolean keepDictionaries(CallContext context) {
    return Boolean.parseBoolean(get(context, KEEP_DICTIONARIES));
  }
}
