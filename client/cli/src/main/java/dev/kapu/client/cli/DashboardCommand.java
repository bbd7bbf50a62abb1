package dev.kapu.client.cli;

import dev.kapu.client.cli.dashboard.DashboardServer;
import dev.kapu.client.cli.dashboard.KapuAdmin;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kapu dashboard --url URL}: the dashboard {@code kapu serve --dashboard} serves, run apart
 * from the server (on an operator's own machine, say). It is a Flight client of the server like
 * any other, so users log in to it with their Flight SQL login.
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
    description = "Serve the live dashboard and /metrics of a running kapu serve, until stopped.")
final class DashboardCommand implements Callable<Integer> {

  @Option(names = "--url", required = true, description = "The server: grpc://host:port or grpc+tls://host:port.")
  URI url;

  @Option(names = "--certificate", description = "With grpc+tls://, a PEM certificate to trust (a self-signed"
      + " server's, as kapu serve --tls prints it); default: the JVM's trust store.")
  Path certificate;

  @Option(names = "--port", defaultValue = "" + ServeDashboard.DEFAULT_PORT, description = "The HTTP port; 0 for any"
      + " free one (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--bind", defaultValue = ServeDashboard.DEFAULT_BIND, description = "The address to listen on"
      + " (default ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
  String bind;

  @Override
  public Integer call() throws Exception {
    LogFormat.silence(KapuAdmin.HANDSHAKE_LOGGER); // a refused login is answered in words on the page
    DashboardServer dashboard = DashboardServer.start(new InetSocketAddress(bind, port), KapuAdmin.connect(url, certificate));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        dashboard.close();
      } catch (Exception e) {
        System.err.println("kapu dashboard: closing failed: " + e);
      }
      stopped.countDown();
    }, "kapu-dashboard-shutdown"));
    System.out.println("kapu dashboard: " + url + "'s status; Ctrl-C to stop");
    System.out.println("dashboard_url=" + dashboard.url());
    System.out.println("ready");
    System.out.flush();
    stopped.await();
    return 0;
  }
}
