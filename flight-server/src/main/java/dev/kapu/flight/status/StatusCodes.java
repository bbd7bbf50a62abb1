package dev.kapu.flight.status;

import org.apache.arrow.flight.FlightStatusCode;

/** Flight status codes by their gRPC names, which operators and metrics know them by. */
public final class StatusCodes {
  private StatusCodes() {}

  /** The gRPC name of {@code code}: Flight's UNAUTHORIZED is gRPC's PERMISSION_DENIED; the others match. */
  public static String grpcName(FlightStatusCode code) {
    return code == FlightStatusCode.UNAUTHORIZED ? "PERMISSION_DENIED" : code.name();
  }
}
