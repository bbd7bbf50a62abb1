package dev.kapu.flight;

import dev.kapu.serial.ErrorCategory;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a failure becomes a Flight status. The rule: a user's mistake is never
 * INTERNAL. A statement naming something unknown (table, column, function, schema, file) is
 * NOT_FOUND, one creating something that exists ALREADY_EXISTS, any other mistake in a statement
 * or its data (syntax, binding, types, conversions, constraints) INVALID_ARGUMENT, and a refusal by
 * rights PERMISSION_DENIED (Flight's UNAUTHORIZED, which gRPC carries as PERMISSION_DENIED). The
 * database running out of memory is RESOURCE_EXHAUSTED, a cancelled statement CANCELLED, a
 * passing condition (a lost database connection, a transaction conflict) UNAVAILABLE, a feature
 * the database lacks UNIMPLEMENTED, and a database failure that is none of these UNKNOWN.
 * INTERNAL is left for Kapu's own faults. Messages carry the database's words and Kapu's context,
 * never Java class names.
 */
public final class ErrorStatuses {
  private static final Logger log = LoggerFactory.getLogger(ErrorStatuses.class);
  private static final int MAX_CAUSES = 16;

  private ErrorStatuses() {}

  /** The status of a failure in {@code category}; INTERNAL for none (a fault of Kapu's own). */
  public static CallStatus code(ErrorCategory category) {
    if (category == null) {
      return CallStatus.INTERNAL;
    }
    return switch (category) {
      case INVALID_STATEMENT -> CallStatus.INVALID_ARGUMENT;
      case UNKNOWN_NAME -> CallStatus.NOT_FOUND;
      case ALREADY_EXISTS -> CallStatus.ALREADY_EXISTS;
      case NOT_PERMITTED -> CallStatus.UNAUTHORIZED;
      case RESOURCES_EXHAUSTED -> CallStatus.RESOURCE_EXHAUSTED;
      case CANCELLED -> CallStatus.CANCELLED;
      case TRANSIENT -> CallStatus.UNAVAILABLE;
      case UNSUPPORTED -> CallStatus.UNIMPLEMENTED;
      case DATABASE_FAILURE -> CallStatus.UNKNOWN;
    };
  }

  /**
   * {@code e} as a Flight status: a Flight status or a {@link StatementFailure} found on the way
   * down its causes decides; a refusal by rights ({@link SecurityException}) is UNAUTHORIZED, a
   * bad argument ({@link IllegalArgumentException}) INVALID_ARGUMENT; anything else is a fault of
   * Kapu's own, INTERNAL, logged with its stack trace here.
   */
  public static FlightRuntimeException of(Throwable e) {
    Throwable t = e;
    for (int depth = 0; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
      if (t instanceof FlightRuntimeException flight) {
        return flight;
      }
      if (t instanceof StatementFailure failure) {
        if (failure.category() == null) {
          log.warn("a call failed inside Kapu: {}", failure.getMessage(), e);
        }
        return code(failure.category()).withDescription(failure.getMessage()).withCause(e).toRuntimeException();
      }
    }
    if (e instanceof SecurityException) {
      return CallStatus.UNAUTHORIZED.withDescription(message(e)).withCause(e).toRuntimeException();
    }
    if (e instanceof IllegalArgumentException) {
      return CallStatus.INVALID_ARGUMENT.withDescription(message(e)).withCause(e).toRuntimeException();
    }
    log.warn("a call failed inside Kapu", e);
    return CallStatus.INTERNAL.withDescription(message(e)).withCause(e).toRuntimeException();
  }

  /**
   * {@code failure}, judged {@code category} where it happened, as a Flight status with {@code
   * message}; a Flight status in its causes (a call it made that failed so) passes through.
   */
  public static FlightRuntimeException of(ErrorCategory category, String message, Throwable failure) {
    Throwable t = failure;
    for (int depth = 0; t != null && depth < MAX_CAUSES; t = t.getCause(), depth++) {
      if (t instanceof FlightRuntimeException flight) {
        return flight;
      }
    }
    return of(new StatementFailure(category, message, failure));
  }

  /**
   * As {@link #of(Throwable)} for a statement {@code user} ran on {@code catalog}: a refusal
   * because the user may only read names both.
   */
  public static FlightRuntimeException of(Throwable e, String user, String catalog) {
    if (e instanceof SecurityException) {
      return CallStatus.UNAUTHORIZED
          .withDescription("user '" + user + "' may only read '" + catalog + "': " + message(e))
          .withCause(e).toRuntimeException();
    }
    return of(e);
  }

  /**
   * {@code e}'s message without the Java class names that wrappers put in when they take their
   * cause's {@code toString()} for their message ({@code java.sql.SQLException: ...}, {@code
   * CDataJniException{errno=-1, message=...}}): each cause's own words stay. A failure without any
   * message is described as a fault inside Kapu.
   */
  public static String message(Throwable e) {
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return "Kapu failed inside (the server's log has the details)";
    }
    Throwable cause = e.getCause();
    for (int depth = 0; cause != null && depth < MAX_CAUSES; cause = cause.getCause(), depth++) {
      String own = cause.getMessage();
      if (own != null) {
        message = message.replace(cause.toString(), own);
      }
    }
    return message;
  }
}
