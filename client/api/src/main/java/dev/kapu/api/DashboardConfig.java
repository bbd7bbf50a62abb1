package dev.kapu.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code dashboard:} section of a {@code kapu.yaml}: {@code kapu serve} also serves its live
 * dashboard and {@code /metrics} on this port, behind the same login as Flight SQL.
 *
 * <pre>{@code
 * dashboard:
 *   port: 31338
 *   bind: 127.0.0.1
 * }</pre>
 *
 * Bound by {@link KapuConfig#readDashboard}; a component the file leaves out is null, and
 * {@code kapu serve}'s flags and defaults fill it in.
 *
 * @param port the HTTP port; 0 for any free one
 * @param bind the address to listen on: loopback unless an operator opens it ({@code 0.0.0.0})
 */
public record DashboardConfig(Integer port, String bind) {

  /** What is wrong with the section, each in words; empty if nothing is. */
  List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (port != null && (port < 0 || port > 65535)) {
      problems.add("port must be 0 (any free one) to 65535, not " + port);
    }
    if (bind != null && bind.isBlank()) {
      problems.add("bind must be an address such as 127.0.0.1");
    }
    return problems;
  }
}
