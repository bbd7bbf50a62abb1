package dev.kapu.client.cli;

import dev.kapu.api.DashboardConfig;
import dev.kapu.api.Endpoint;
import dev.kapu.api.KapuConfig;
import dev.kapu.client.cli.dashboard.DashboardServer;
import dev.kapu.client.cli.dashboard.KapuAdmin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where {@code kapu serve} serves its dashboard, from {@code --dashboard[=PORT]} and {@code
 * --dashboard-bind} over the config's {@code dashboard:} section; and starting it against the
 * server's own endpoint, as one more Flight client.
 */
final class ServeDashboard {
  /** The port {@code --dashboard} alone, or an empty {@code dashboard:} section, listens on: the server's default plus one. */
  static final int DEFAULT_PORT = 31338;
  static final String DEFAULT_BIND = "127.0.0.1";

  private ServeDashboard() {}

  /** Where to listen; empty if neither the flags nor the config ask for a dashboard. */
  static Optional<InetSocketAddress> address(Integer flagPort, String flagBind, Path config) throws ServeRefusal {
    Optional<DashboardConfig> section;
    try {
      section = config == null ? Optional.empty() : KapuConfig.readDashboard(config);
    } catch (IllegalArgumentException | UncheckedIOException e) {
      throw new ServeRefusal(e.getMessage());
    }
    if (flagPort == null && section.isEmpty()) {
      if (flagBind != null) {
        throw new ServeRefusal("--dashboard-bind needs --dashboard (or a dashboard: section in the config)");
      }
      return Optional.empty();
    }
    int port = flagPort != null ? flagPort : section.map(DashboardConfig::port).orElse(DEFAULT_PORT);
    if (port < 0 || port > 65535) {
      throw new ServeRefusal("--dashboard port must be 0 (any free one) to 65535, not " + port);
    }
    String bind = flagBind != null ? flagBind : section.map(DashboardConfig::bind).orElse(DEFAULT_BIND);
    return Optional.of(new InetSocketAddress(bind, port));
  }

  /** The dashboard of the server at {@code endpoint}, listening on {@code address}. */
  static DashboardServer start(InetSocketAddress address, Endpoint endpoint) throws ServeRefusal, IOException {
    if (address.isUnresolved()) {
      throw new ServeRefusal("the dashboard's address " + address.getHostString() + " does not resolve");
    }
    LogFormat.silence(KapuAdmin.HANDSHAKE_LOGGER); // a refused login is answered in words on the page
    KapuAdmin admin = KapuAdmin.connect(endpoint.url(), endpoint.trustCertificate());
    try {
      return DashboardServer.start(address, admin);
    } catch (IOException e) { // the port is taken, or the address is not this machine's
      closeQuietly(admin);
      throw new ServeRefusal("cannot serve the dashboard on " + address.getHostString() + ":" + address.getPort()
          + ": " + e.getMessage());
    }
  }

  private static void closeQuietly(KapuAdmin admin) {
    try {
      admin.close();
    } catch (Exception e) {
      // it never connected: nothing to report beyond the refusal
    }
  }
}
