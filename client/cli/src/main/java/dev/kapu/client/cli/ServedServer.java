package dev.kapu.client.cli;

import dev.kapu.api.Endpoint;
import dev.kapu.client.Kapu;
import dev.kapu.client.KapuFlightBackend;
import dev.kapu.client.KapuSqlBackend;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.ResourceLoss;
import dev.kapu.client.controller.Controller;
import dev.kapu.daemon.ResourceKinds;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.ResultStreams;
import dev.kapu.flight.plain.KapuFlightProducer;
import dev.kapu.flight.sql.KapuFlightSqlProducer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.apache.arrow.flight.FlightProducer;

/**
 * {@code kapu serve}'s running server: Flight SQL and plain Flight over the served resources, on a
 * fixed number of local daemons or, with {@code --controller}, on daemons a {@link Controller}
 * launches as work arrives.
 */
final class ServedServer {

  private final AutoCloseable server;
  private final Endpoint endpoint;
  private final String daemons;
  private final KapuFlightSqlProducer.Delivery delivery;
  /** The controller launching the daemons, or null for a fixed number of them. */
  private final Controller controller;

  ServedServer(AutoCloseable server, Endpoint endpoint, String daemons, KapuFlightSqlProducer.Delivery delivery,
      Controller controller) {
    this.server = server;
    this.controller = controller;
    this.endpoint = endpoint;
    this.daemons = daemons;
    this.delivery = delivery;
  }

  /** Starts serving {@code resources} to {@code access}'s users, as {@code options} ask. */
  static ServedServer start(ServeCommand options, Optional<ServeController> launching, ServedResources resources,
      ServeAccess access, Duration liveness) throws Exception {
    // daemons' own endpoints are plaintext, so with --tls results go through the server's port
    KapuFlightSqlProducer.Delivery delivery = options.relay || options.tls
        ? KapuFlightSqlProducer.Delivery.RELAY
        : KapuFlightSqlProducer.Delivery.DIRECT;
    KapuSqlBackend.TransactionSettings transactions;
    try {
      transactions = new KapuSqlBackend.TransactionSettings(Duration.ofSeconds(options.transactionIdleSeconds),
          options.transactionResultMb << 20);
    } catch (IllegalArgumentException e) {
      throw new ServeRefusal(e.getMessage());
    }
    Function<LocalKapu, FlightProducer> producer = producer(resources, access.control(), delivery, transactions,
        launching.isEmpty());
    return launching.isPresent()
        ? controlled(options, launching.get(), resources, access, liveness, producer, delivery)
        : local(options, resources, access, liveness, producer, delivery);
  }

  /** Plain Flight and Flight SQL over a session's daemons. */
  private static Function<LocalKapu, FlightProducer> producer(ServedResources resources, AccessControl access,
      KapuFlightSqlProducer.Delivery delivery, KapuSqlBackend.TransactionSettings transactions, boolean pinned) {
    return session -> new KapuFlightProducer(
        new KapuFlightBackend(session, resources.catalogs(), resources.uploads()),
        access,
        new KapuFlightSqlProducer(new KapuSqlBackend(session, resources.catalogs(), resources.sqlCatalogs(),
            ResourceLoss.of(resources.specs(), pinned, ResourceKinds::reopenedNote), transactions), access,
            session.allocator(), version(), delivery),
        new ResultStreams(session.allocator(), session.endpoint().token()),
        session.allocator());
  }

  private static ServedServer controlled(ServeCommand options, ServeController launching, ServedResources resources,
      ServeAccess access, Duration liveness, Function<LocalKapu, FlightProducer> producer,
      KapuFlightSqlProducer.Delivery delivery) throws ServeRefusal {
    Controller.Builder builder;
    try {
      builder = Controller.builder().name("serve").launcher(launching.launcher())
          .maxWorkers(launching.maxWorkers()).slots(launching.slots()).idle(launching.idle())
          .launchTimeout(launching.launchTimeout()).directory(launching.directory())
          .jvmOptions(launching.jvmOptions().toArray(String[]::new))
          .liveness(liveness)
          .listen(options.host, options.port).advertise(options.advertiseHost).tls(options.tls)
          .flightAuthenticator(access.authenticator())
          .flightAdmins(access.admins())
          .flightProducer(producer)
          .acceptShippedCode(!options.noShippedCode);
      resources.specs().forEach(builder::resource);
    } catch (IllegalArgumentException e) { // a pinned resource
      throw new ServeRefusal(e.getMessage());
    }
    Controller controller = builder.build();
    String daemons = launching.describe() + (options.config == null ? "; " + options.duckdb + " opened read-only" : "");
    return new ServedServer(controller, controller.endpoint(), daemons, delivery, controller);
  }

  private static ServedServer local(ServeCommand options, ServedResources resources, ServeAccess access,
      Duration liveness, Function<LocalKapu, FlightProducer> producer, KapuFlightSqlProducer.Delivery delivery) {
    int n = options.daemons != null ? options.daemons : 2;
    Kapu.Builder builder = Kapu.builder().daemons(n)
        .slots(options.slots != null ? options.slots : ServeController.DEFAULT_SLOTS).listen(options.host, options.port)
        .advertise(options.advertiseHost).tls(options.tls)
        .liveness(liveness)
        .flightAuthenticator(access.authenticator())
        .flightAdmins(access.admins())
        .flightProducer(producer)
        .acceptShippedCode(!options.noShippedCode);
    resources.specs().forEach(builder::resource);
    LocalKapu kapu = builder.local();
    return new ServedServer(kapu, kapu.endpoint(), n + " daemon(s)", delivery, null);
  }

  /** Where clients connect. */
  Endpoint endpoint() {
    return endpoint;
  }

  /** The daemons serving, in words. */
  String daemons() {
    return daemons;
  }

  /** How clients get query results. */
  KapuFlightSqlProducer.Delivery delivery() {
    return delivery;
  }

  /** Closes the server now (it started, but what was to serve beside it could not). */
  void close() throws Exception {
    server.close();
  }

  /**
   * Closes the server when the JVM is asked to stop (Ctrl-C, SIGTERM), first {@code before} (its
   * dashboard, or null) and printing a controller's workers ({@link ServeWorkers}); the latch opens
   * once it is closed.
   */
  CountDownLatch closeOnShutdown(AutoCloseable before) {
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("kapu serve: shutting down");
      if (before != null) {
        try {
          before.close();
        } catch (Exception e) {
          System.err.println("kapu serve: closing the dashboard failed: " + e);
        }
      }
      if (controller != null) {
        ServeWorkers.lines(controller.summary()).forEach(System.out::println);
      }
      System.out.flush();
      try {
        server.close();
      } catch (Exception e) {
        System.err.println("kapu serve: closing failed: " + e);
      }
      closed.countDown();
    }, "kapu-serve-shutdown"));
    return closed;
  }

  private static String version() {
    String v = ServedServer.class.getPackage().getImplementationVersion();
    return v != null ? v : "development build";
  }
}
