package dev.kapu.client.cli;

import dev.kapu.client.controller.Controller;
import dev.kapu.api.ControllerConfig;
import dev.kapu.api.KapuConfig;
import dev.kapu.client.cli.dashboard.DashboardServer;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kapu serve}: a dispatcher with local daemons hosting Kapu's embedded DuckDB (or a
 * kapu.yaml's resources), and Flight SQL and plain Flight (tables in and out, columnar functions)
 * on the dispatcher's port, until Ctrl-C or SIGTERM. Each hosted resource is a catalog. Clients
 * fetch Flight SQL query results straight from the daemon that ran the query, or with {@code
 * --relay} (and always with {@code --tls}, as daemons' endpoints are plaintext) through the
 * server's port. With {@code --controller} or a kapu.yaml's {@code controller:} section, a {@link
 * Controller} launches the daemons as work arrives and lets idle ones leave ({@link ServeController}).
 *
 * <p>This class holds the options; the work is done by {@link ServedResources} (what is served),
 * {@link ServeAccess} (who may connect), {@link ServedServer} (the running server) and
 * {@link ServeBanner} (what it prints), and {@link ServeDashboard} (its dashboard, if asked for). A command line they refuse is a {@link ServeRefusal}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve hosted resources over Arrow Flight SQL (JDBC, ADBC) until stopped.")
final class ServeCommand implements Callable<Integer> {

  @Option(names = "--duckdb", description = "A DuckDB file for the embedded resource (default: in memory).")
  Path duckdb;

  @Option(names = "--config", description = "A kapu.yaml whose resources the daemons host instead; its controller:"
      + " section, if any, launches them on demand (the flags below override it).")
  Path config;

  @Option(names = "--daemons", description = "Daemons to start (default 2; not with --controller).")
  Integer daemons;

  @Option(names = "--slots", description = "Tasks each daemon runs at once (default " + ServeController.DEFAULT_SLOTS + ").")
  Integer slots;

  @Option(names = "--controller", paramLabel = "LAUNCHER",
      description = "Launch daemons on demand with this launcher (local, ssh, slurm, sge, command) instead of a"
          + " fixed count; needs --duckdb (opened read-only) or a --config of replicated resources. Overrides"
          + " the launcher of the config's controller: section.")
  String controller;

  @Option(names = "--launcher-setting", paramLabel = "KEY=VALUE", description = "With a controller: one of the"
      + " launcher's settings (such as partition=debug), over the config's.")
  Map<String, String> launcherSettings;

  @Option(names = "--max-workers", description = "With a controller: the most daemons at once (default "
      + ServeController.DEFAULT_MAX_WORKERS + ").")
  Integer maxWorkers;

  @Option(names = "--idle-seconds", description = "With a controller: an idle daemon leaves after this long (default "
      + ServeController.DEFAULT_IDLE_SECONDS + ").")
  Long idleSeconds;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE};"
      + " 0.0.0.0 for every interface).")
  String host;

  @Option(names = "--advertise-host", description = "The host clients dial, printed in the URLs (default: the --host"
      + " address, or with 0.0.0.0 this machine's address on its network). Daemons serve results on every interface"
      + " then, at the address they reach this server from.")
  String advertiseHost;

  @Option(names = "--port", defaultValue = "31337", description = "Port; 0 for any free one (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--user", description = "The Flight SQL user name (default kapu; not with a config's users:).")
  String user;

  @Option(names = "--password", description = "The Flight SQL password (default: $KAPU_PASSWORD, else generated"
      + " and printed; not with a config's users:).")
  String password;

  @Option(names = "--tls", description = "Serve over TLS with a self-signed certificate (its path is printed);"
      + " results are then relayed, as daemons' own endpoints are plaintext.")
  boolean tls;

  @Option(names = "--liveness-seconds", defaultValue = "10", description = "A daemon that sends no heartbeat for this"
      + " long (frozen, cut off) is declared lost and killed; its statements fail (default ${DEFAULT-VALUE}).")
  double livenessSeconds;

  @Option(names = "--relay", description = "Send query results through the server's port, for clients that"
      + " cannot reach the daemons (default: clients fetch them from the daemon that ran the query).")
  boolean relay;

  @Option(names = "--transaction-idle-seconds", defaultValue = "300", paramLabel = "S",
      description = "A transaction without a statement this long is rolled back (default ${DEFAULT-VALUE}).")
  long transactionIdleSeconds;

  @Option(names = "--transaction-result-mb", defaultValue = "512", paramLabel = "MB",
      description = "The most a query's result inside a transaction may hold, read whole on its daemon"
          + " (default ${DEFAULT-VALUE}).")
  long transactionResultMb;

  @Option(names = "--dashboard", arity = "0..1", paramLabel = "PORT", fallbackValue = "" + ServeDashboard.DEFAULT_PORT,
      description = "Also serve the live dashboard and /metrics, behind the same login, on this port (default "
          + ServeDashboard.DEFAULT_PORT + "; 0 for any free one); over the config's dashboard: section.")
  Integer dashboard;

  @Option(names = "--dashboard-bind", paramLabel = "ADDRESS", description = "The address the dashboard listens on"
      + " (default " + ServeDashboard.DEFAULT_BIND + ": this machine only; 0.0.0.0 for every interface).")
  String dashboardBind;

  @Option(names = "--no-shipped-code", description = "Refuse the code that connecting sessions ship for the"
      + " daemons: tasks run only what the daemons' class path holds.")
  boolean noShippedCode;

  @Option(names = "--log-format", defaultValue = "text", paramLabel = "FORMAT", description = "text or json: one JSON"
      + " object a line on stderr, for log collectors (default ${DEFAULT-VALUE}). The audit trail of statements is on"
      + " the logger kapu.audit.statements, of kills and cancels on kapu.audit.admin.")
  LogFormat logFormat;

  @Override
  public Integer call() throws Exception {
    try {
      logFormat.apply();
      Optional<ServeController> launching = ServeController.of(
          new ServeController.Flags(controller, launcherSettings, maxWorkers, idleSeconds, slots), configController(), config);
      Duration liveness = checkedLiveness(launching.isPresent());
      ServedResources resources = ServedResources.of(config, duckdb, launching.isPresent());
      ServeAccess access = ServeAccess.of(config, user, password);
      access.warnings().forEach(System.err::println);
      Optional<InetSocketAddress> dashboardAddress = ServeDashboard.address(dashboard, dashboardBind, config);
      ServedServer server = ServedServer.start(this, launching, resources, access, liveness);
      DashboardServer dashboardServer = null;
      try {
        dashboardServer = dashboardAddress.isEmpty() ? null : ServeDashboard.start(dashboardAddress.get(), server.endpoint());
      } catch (Exception e) { // the server runs already: stop it and its daemons before saying why
        server.close();
        throw e;
      }
      CountDownLatch closed = server.closeOnShutdown(dashboardServer);
      if (dashboardServer != null) {
        System.out.println("dashboard_url=" + dashboardServer.url());
      }
      ServeBanner.lines(resources.catalogs(), server, relay, access).forEach(System.out::println);
      System.out.flush();
      closed.await();
      return 0;
    } catch (ServeRefusal e) {
      System.err.println("kapu serve: " + e.getMessage());
      return 2;
    }
  }

  /** The config's controller: section, if it has one. */
  private Optional<ControllerConfig> configController() throws ServeRefusal {
    try {
      return config == null ? Optional.empty() : KapuConfig.readController(config);
    } catch (IllegalArgumentException | UncheckedIOException e) { // a missing file, bad YAML, a bad section
      throw new ServeRefusal(e.getMessage());
    }
  }

  /** {@code --liveness-seconds} as a duration, once the options that exclude or need each other are checked. */
  private Duration checkedLiveness(boolean controlled) throws ServeRefusal {
    if (controlled && daemons != null) {
      throw new ServeRefusal(controller != null ? "--daemons and --controller exclude each other (see --max-workers)"
          : "--daemons and the controller: section of " + config + " exclude each other (see its maxWorkers)");
    }
    if (controlled && config == null && duckdb == null) {
      throw new ServeRefusal("--controller needs --duckdb FILE or --config kapu.yaml: its daemons come"
          + " and go, and each would have its own in-memory database, so what one statement wrote the next"
          + " could not read");
    }
    Duration liveness = Duration.ofMillis(Math.round(livenessSeconds * 1000));
    if (liveness.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new ServeRefusal("--liveness-seconds must be at least 1");
    }
    return liveness;
  }
}
