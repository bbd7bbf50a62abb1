package dev.kapu.flight.plain;

import java.util.Comparator;
import java.util.List;
import org.apache.arrow.flight.CallStatus;

/** Which daemon takes an upload, an ingest or an exchange that no daemon holds yet. */
final class DaemonChoice {
  private DaemonChoice() {}

  /** The least busy daemon hosting {@code resource} (any daemon if null). */
  static FlightBackend.Daemon leastBusy(List<FlightBackend.Daemon> connected, String resource) {
    return connected.stream()
        .filter(d -> resource == null || d.hosting().contains(resource))
        .min(Comparator.comparingLong(FlightBackend.Daemon::executing))
        .orElseThrow(() -> CallStatus.UNAVAILABLE.withDescription(resource == null ? "no daemon is connected"
            : "no connected daemon hosts '" + resource + "'").toRuntimeException());
  }
}
