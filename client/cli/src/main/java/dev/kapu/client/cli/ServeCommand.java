package dev.kapu.client.cli;

import dev.kapu.client.Kapu;
import dev.kapu.client.KapuFlightBackend;
import dev.kapu.client.KapuSqlBackend;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.ResourceLoss;
import dev.kapu.client.controller.Controller;
import dev.kapu.client.launch.Launchers;
import dev.kapu.api.AccessRight;
import dev.kapu.api.KapuConfig;
import dev.kapu.api.ResourceSpec;
import dev.kapu.flight.AccessControl;
import dev.kapu.api.Endpoint;
import dev.kapu.daemon.ResourceKinds;
import dev.kapu.flight.KapuServer;
import dev.kapu.flight.ResultStreams;
import dev.kapu.flight.plain.KapuFlightProducer;
import dev.kapu.flight.sql.FlightSqlAuth;
import dev.kapu.flight.sql.KapuFlightSqlProducer;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kapu serve}: a dispatcher with local daemons hosting Kapu's embedded DuckDB (or a
 * kapu.yaml's resources), and Flight SQL and plain Flight (tables in and out, columnar functions)
 * on the dispatcher's port, until Ctrl-C or SIGTERM. Each hosted resource is a catalog. Clients
 * fetch Flight SQL query results straight from the daemon that ran the query, or with {@code
 * --relay} (and always with {@code --tls}, as daemons' endpoints are plaintext) through the
 * server's port. With {@code --controller}, a {@link Controller} launches the daemons as work
 * arrives and lets idle ones leave.
 *
 * <p>Who may connect: one user ({@code --user}, {@code --password}) who may do everything, or the
 * config's {@code users:}, each with a password from the server's environment and a right per
 * resource. The two exclude each other, so that no user holds rights the config does not show.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve hosted resources over Arrow Flight SQL (JDBC, ADBC) until stopped.")
final class ServeCommand implements Callable<Integer> {

  @Option(names = "--duckdb", description = "A DuckDB file for the embedded resource (default: in memory).")
  Path duckdb;

  @Option(names = "--config", description = "A kapu.yaml whose resources the daemons host instead.")
  Path config;

  @Option(names = "--daemons", description = "Daemons to start (default 2; not with --controller).")
  Integer daemons;

  @Option(names = "--slots", defaultValue = "4", description = "Tasks each daemon runs at once (default ${DEFAULT-VALUE}).")
  int slots;

  @Option(names = "--controller", paramLabel = "LAUNCHER",
      description = "Launch daemons on demand with this launcher (local) instead of a fixed"
          + " count; needs --duckdb (opened read-only) or a --config of replicated resources.")
  String controller;

  @Option(names = "--max-workers", defaultValue = "2", description = "With --controller: the most daemons at once (default ${DEFAULT-VALUE}).")
  int maxWorkers;

  @Option(names = "--idle-seconds", defaultValue = "60", description = "With --controller: an idle daemon leaves after this long (default ${DEFAULT-VALUE}).")
  long idleSeconds;

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

  @Override
  public Integer call() throws Exception {
    if (controller != null && daemons != null) {
      System.err.println("kapu serve: --daemons and --controller exclude each other (see --max-workers)");
      return 2;
    }
    if (controller != null && config == null && duckdb == null) {
      System.err.println("kapu serve: --controller needs --duckdb FILE or --config kapu.yaml: its daemons come"
          + " and go, and each would have its own in-memory database, so what one statement wrote the next"
          + " could not read");
      return 2;
    }
    Duration liveness = Duration.ofMillis(Math.round(livenessSeconds * 1000));
    if (liveness.compareTo(Duration.ofSeconds(1)) < 0) {
      System.err.println("kapu serve: --liveness-seconds must be at least 1");
      return 2;
    }
    List<ResourceSpec> resources;
    if (config != null) {
      resources = KapuConfig.readResources(config);
    } else if (controller != null) {
      // every worker opens the file; DuckDB allows one writing process, so all of them read only
      resources = List.of(ResourceSpec.replicated("duckdb", "duckdb",
          Map.of("path", duckdb.toAbsolutePath().toString(), "readOnly", "true")));
    } else {
      // pinned: one daemon holds the database, so that what one statement writes the next one reads
      resources = List.of(ResourceSpec.pinned("duckdb", "duckdb",
          duckdb == null ? Map.of() : Map.of("path", duckdb.toAbsolutePath().toString())));
    }
    if (resources.isEmpty()) {
      System.err.println("kapu serve: no resource to serve");
      return 2;
    }
    List<KapuConfig.User> users;
    Map<String, String> passwords = new LinkedHashMap<>();
    try {
      users = config == null ? List.of() : KapuConfig.readUsers(config);
      if (!users.isEmpty() && (user != null || password != null)) {
        System.err.println("kapu serve: --user and --password exclude a config with users: (" + config
            + "); add the user there");
        return 2;
      }
      for (KapuConfig.User u : users) {
        passwords.put(u.name(), u.resolvedPassword());
      }
    } catch (IllegalArgumentException e) {
      System.err.println("kapu serve: " + e.getMessage());
      return 2;
    }
    AccessControl access;
    if (users.isEmpty()) {
      user = user != null ? user : "kapu";
      if (password == null) {
        String fromEnvironment = System.getenv("KAPU_PASSWORD");
        password = fromEnvironment != null && !fromEnvironment.isEmpty() ? fromEnvironment : KapuServer.newToken();
      }
      passwords.put(user, password);
      access = AccessControl.allowAll();
    } else {
      users.stream().filter(KapuConfig.User::passwordInFile).forEach(u -> System.err.println(
          "kapu serve: warning: user '" + u.name() + "' has its password written in " + config
              + "; name an environment variable instead (password: \"${SOME_VARIABLE}\")"));
      access = AccessControl.of(users.stream().collect(Collectors.toMap(KapuConfig.User::name, KapuConfig.User::access)));
    }
    CallHeaderAuthenticator authenticator = FlightSqlAuth.users(passwords);
    List<String> catalogs = resources.stream().map(ResourceSpec::name).toList();
    List<String> sqlCatalogs = ResourceKinds.sqlCatalogs(resources);
    KapuFlightSqlProducer.Delivery delivery = relay || tls
        ? KapuFlightSqlProducer.Delivery.RELAY
        : KapuFlightSqlProducer.Delivery.DIRECT;
    String uploads = ResourceKinds.uploadResource(resources);
    KapuSqlBackend.TransactionSettings transactions;
    try {
      transactions = new KapuSqlBackend.TransactionSettings(Duration.ofSeconds(transactionIdleSeconds),
          transactionResultMb << 20);
    } catch (IllegalArgumentException e) {
      System.err.println("kapu serve: " + e.getMessage());
      return 2;
    }
    Function<LocalKapu, FlightProducer> producer = session -> new KapuFlightProducer(
        new KapuFlightBackend(session, catalogs, uploads),
        access,
        new KapuFlightSqlProducer(new KapuSqlBackend(session, catalogs, sqlCatalogs,
            ResourceLoss.of(resources, controller == null, ResourceKinds::reopenedNote), transactions), access, session.allocator(),
            version(), delivery),
        new ResultStreams(session.allocator(), session.endpoint().token()),
        session.allocator());

    Endpoint endpoint;
    AutoCloseable server;
    String daemonsLine;
    if (controller != null) {
      Controller.Builder builder;
      try {
        builder = Controller.builder().name("serve").launcher(Launchers.create(controller, Map.of()))
            .maxWorkers(maxWorkers).slots(slots).idle(Duration.ofSeconds(idleSeconds))
            .liveness(liveness)
            .listen(host, port).advertise(advertiseHost).tls(tls)
            .flightAuthenticator(authenticator)
            .flightProducer(producer);
        resources.forEach(builder::resource);
      } catch (IllegalArgumentException e) { // an unknown launcher, a pinned resource, a bad count
        System.err.println("kapu serve: " + e.getMessage());
        return 2;
      }
      Controller c = builder.build();
      endpoint = c.endpoint();
      server = c;
      daemonsLine = "daemons launched on demand by the " + controller + " launcher (at most " + maxWorkers
          + ", leaving after " + idleSeconds + " s idle)"
          + (config == null ? "; " + duckdb + " opened read-only" : "");
    } else {
      int n = daemons != null ? daemons : 2;
      Kapu.Builder builder = Kapu.builder().daemons(n).slots(slots).listen(host, port).advertise(advertiseHost).tls(tls)
          .liveness(liveness)
          .flightAuthenticator(authenticator)
          .flightProducer(producer);
      resources.forEach(builder::resource);
      LocalKapu kapu = builder.local();
      endpoint = kapu.endpoint();
      server = kapu;
      daemonsLine = n + " daemon(s)";
    }
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("kapu serve: shutting down");
      System.out.flush();
      try {
        server.close();
      } catch (Exception e) {
        System.err.println("kapu serve: closing failed: " + e);
      }
      closed.countDown();
    }, "kapu-serve-shutdown"));

    URI url = endpoint.url();
    String jdbcHost = url.getHost();
    System.out.println("kapu serve: " + catalogs + " on " + daemonsLine + "; Ctrl-C to stop");
    System.out.println(delivery == KapuFlightSqlProducer.Delivery.DIRECT
        ? "kapu serve: clients fetch results from the daemons' own endpoints (plaintext; --relay to send them"
            + " through this port)"
        : "kapu serve: results are relayed through this port" + (tls && !relay ? " (--tls: daemons' own endpoints"
            + " are plaintext)" : ""));
    System.out.println("results=" + delivery.name().toLowerCase(java.util.Locale.ROOT));
    System.out.println("flight_url=" + url);
    Path certificate = endpoint.trustCertificate();
    String encryption = certificate == null
        ? "useEncryption=false"
        : "useEncryption=true&tlsRootCerts=" + encode(certificate.toAbsolutePath().toString());
    String jdbcUrl = "jdbc:arrow-flight-sql://" + jdbcHost + ":" + url.getPort() + "/?" + encryption;
    if (users.isEmpty()) {
      System.out.println("jdbc_url=" + jdbcUrl + "&user=" + encode(user) + "&password=" + encode(password));
    } else {
      // the passwords are the users' own: printed is only where each comes from
      KapuConfig.User first = users.get(0);
      System.out.println("jdbc_url=" + jdbcUrl + "&user=" + encode(first.name()));
      System.out.println("  (add &password=... with user " + first.name() + "'s password; other users: change &user)");
    }
    System.out.println("  " + JDBC_JVM_HINT);
    if (certificate != null) {
      System.out.println("certificate=" + certificate.toAbsolutePath());
    }
    if (users.isEmpty()) {
      System.out.println("user=" + user);
      System.out.println("password=" + password);
    } else {
      System.out.println("users:");
      for (KapuConfig.User u : users) {
        String rights = u.access().entrySet().stream()
            .map(e -> e.getKey() + " " + (e.getValue() == AccessRight.WRITE ? "read-write" : "read-only"))
            .collect(Collectors.joining(", "));
        System.out.println("  " + u.name() + ": " + rights + " (password "
            + (u.passwordInFile() ? "written in " + config : "from " + u.password()) + ")");
      }
    }
    System.out.println("ready");
    System.out.flush();
    closed.await();
    return 0;
  }

  /**
   * The Flight SQL JDBC driver's Arrow memory needs this JVM flag on JDK 17 and later; without it
   * the first query fails with "Failed to initialize MemoryUtil" or "Failed to read message".
   */
  static final String JDBC_JVM_HINT = "(the JDBC driver needs the JVM option --add-opens=java.base/java.nio=ALL-UNNAMED"
      + " on JDK 17+: java --add-opens=... -cp ..., or in DBeaver's dbeaver.ini after -vmargs)";

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String version() {
    String v = ServeCommand.class.getPackage().getImplementationVersion();
    return v != null ? v : "development build";
  }
}
