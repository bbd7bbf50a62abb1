package dev.kapu.client.cli.dashboard;

import org.apache.arrow.flight.FlightRuntimeException;

/**
 * A server's refusal or failure, carried to the browser as an HTTP status and the server's own
 * words: the Flight status decides the HTTP one.
 */
final class AdminException extends Exception {
  private final int httpStatus;

  AdminException(int httpStatus, String message) {
    super(message);
    this.httpStatus = httpStatus;
  }

  static AdminException of(FlightRuntimeException e) {
    String message = e.status().description();
    return new AdminException(httpStatus(e), message == null || message.isEmpty() ? e.status().code().name() : message);
  }

  private static int httpStatus(FlightRuntimeException e) {
    return switch (e.status().code()) {
      case UNAUTHENTICATED -> 401;
      case UNAUTHORIZED -> 403; // gRPC's PERMISSION_DENIED
      case NOT_FOUND -> 404;
      case INVALID_ARGUMENT -> 400;
      case ALREADY_EXISTS -> 409;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE, TIMED_OUT -> 503;
      default -> 502; // the server failed: the dashboard itself is only a gateway
    };
  }

  int httpStatus() {
    return httpStatus;
  }
}
