package dev.kapu.client.cli;

import dev.kapu.client.Kapu;
import dev.kapu.client.KapuSqlBackend;
import dev.kapu.client.LocalKapu;
import dev.kapu.daemon.KapuConfig;
import dev.kapu.daemon.ResourceSpec;
import dev.kapu.flight.KapuServer;
import dev.kapu.flight.sql.FlightSqlAuth;
import dev.kapu.flight.sql.KapuFlightSqlProducer;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kapu serve}: a dispatcher with local daemons hosting Kapu's embedded DuckDB (or a
 * kapu.yaml's resources), and Flight SQL on the dispatcher's port, until Ctrl-C or SIGTERM.
 * Each hosted resource is a catalog; results are relayed through the server's port.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve hosted resources over Arrow Flight SQL (JDBC, ADBC) until stopped.")
final class ServeCommand implements Callable<Integer> {

  @Option(names = "--duckdb", description = "A DuckDB file for the embedded resource (default: in memory).")
  Path duckdb;

  @Option(names = "--config", description = "A kapu.yaml whose resources the daemons host instead.")
  Path config;

  @Option(names = "--daemons", defaultValue = "2", description = "Daemons to start (default ${DEFAULT-VALUE}).")
  int daemons;

  @Option(names = "--slots", defaultValue = "4", description = "Tasks each daemon runs at once (default ${DEFAULT-VALUE}).")
  int slots;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}).")
  String host;

  @Option(names = "--port", defaultValue = "31337", description = "Port; 0 for any free one (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--user", defaultValue = "kapu", description = "The Flight SQL user name (default ${DEFAULT-VALUE}).")
  String user;

  @Option(names = "--password", description = "The Flight SQL password (default: $KAPU_PASSWORD, else generated and printed).")
  String password;

  @Option(names = "--tls", description = "Serve over TLS with a self-signed certificate (its path is printed).")
  boolean tls;

  @Override
  public Integer call() throws Exception {
    List<ResourceSpec> resources = config != null
        ? KapuConfig.readResources(config)
        // pinned: one daemon holds the database, so that what one statement writes the next one reads
        : List.of(ResourceSpec.pinned("duckdb", "duckdb",
            duckdb == null ? Map.of() : Map.of("path", duckdb.toAbsolutePath().toString())));
    if (resources.isEmpty()) {
      System.err.println("kapu serve: no resource to serve");
      return 2;
    }
    if (password == null) {
      String fromEnvironment = System.getenv("KAPU_PASSWORD");
      password = fromEnvironment != null && !fromEnvironment.isEmpty() ? fromEnvironment : KapuServer.newToken();
    }
    List<String> catalogs = resources.stream().map(ResourceSpec::name).toList();
    List<String> sqlCatalogs = resources.stream()
        .filter(r -> Set.of("duckdb", "jdbc").contains(r.kind()))
        .map(ResourceSpec::name)
        .toList();

    Kapu.Builder builder = Kapu.builder().daemons(daemons).slots(slots).listen(host, port).tls(tls)
        .flightAuthenticator(FlightSqlAuth.basic(user, password))
        .flightProducer(session -> new KapuFlightSqlProducer(
            new KapuSqlBackend(session, catalogs, sqlCatalogs), session.allocator(), version()));
    resources.forEach(builder::resource);

    LocalKapu kapu = builder.local();
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("kapu serve: shutting down");
      System.out.flush();
      kapu.close();
      closed.countDown();
    }, "kapu-serve-shutdown"));

    URI url = kapu.endpoint().url();
    String jdbcHost = url.getHost();
    System.out.println("kapu serve: " + catalogs + " on " + daemons + " daemon(s); Ctrl-C to stop");
    System.out.println("flight_url=" + url);
    Path certificate = kapu.endpoint().trustCertificate();
    String encryption = certificate == null
        ? "useEncryption=false"
        : "useEncryption=true&tlsRootCerts=" + encode(certificate.toAbsolutePath().toString());
    System.out.println("jdbc_url=jdbc:arrow-flight-sql://" + jdbcHost + ":" + url.getPort()
        + "/?" + encryption + "&user=" + encode(user) + "&password=" + encode(password));
    if (certificate != null) {
      System.out.println("certificate=" + certificate.toAbsolutePath());
    }
    System.out.println("user=" + user);
    System.out.println("password=" + password);
    System.out.println("ready");
    System.out.flush();
    closed.await();
    return 0;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String version() {
    String v = ServeCommand.class.getPackage().getImplementationVersion();
    return v != null ? v : "development build";
  }
}
