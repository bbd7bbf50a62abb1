package dev.kapu.flight;

import com.google.common.util.concurrent.MoreExecutors;
import dev.kapu.api.Endpoint;
import dev.kapu.flight.status.ClientSessions;
import dev.kapu.flight.status.SessionMiddleware;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallInfo;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.RequestContext;
import org.apache.arrow.flight.ServerSessionMiddleware;
import org.apache.arrow.flight.auth.ServerAuthHandler;
import org.apache.arrow.flight.auth2.Auth2Constants;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;
import org.apache.arrow.flight.auth2.ServerCallHeaderAuthMiddleware;
import org.apache.arrow.flight.grpc.ServerInterceptorAdapter;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A dispatcher on the network: one port that speaks Arrow Flight, where daemons and clients open
 * task streams (DoExchange with a Kapu role and token) and Flight clients call the producer.
 * Daemons prove they are alive with heartbeats; one silent for the {@link Liveness} bound is
 * declared lost ({@link #onDaemonLost}), and a timed task's future completes by its deadline
 * whatever its daemon does.
 *
 * <pre>{@code
 * try (KapuServer server = KapuServer.builder().port(0).build()) {
 *   Endpoint endpoint = server.endpoint();   // hand to daemons: URL, token, certificate
 *   TaskGateway tasks = server.gateway();    // submit from this process
 * }
 * }</pre>
 */
public final class KapuServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KapuServer.class);
  /**
   * Flight sessions (a cookie), for session options such as the catalog a Flight SQL client
   * chose: {@code context.getMiddleware(KapuServer.SESSIONS)} in a producer.
   */
  public static final FlightServerMiddleware.Key<ServerSessionMiddleware> SESSIONS =
      FlightServerMiddleware.Key.of("kapu-sessions");

  /** Streams a task takes with it wait this long for the task that names them to be submitted. */
  private static final long PARKED_EXPIRY_MILLIS = TimeUnit.MINUTES.toMillis(10);

  /** How often the dispatcher's sweep runs: how late past its deadline a timed task may complete. */
  private static final long SWEEP_MILLIS = 50;

  private final ParkedStreams parked;
  private final ClientSessions sessions = new ClientSessions();
  private final CodeStore code;
  private final Dispatcher dispatcher;
  private final Server server;
  private final Server inProcess;
  private final Endpoint endpoint;
  private final BufferAllocator allocator;
  private final ExecutorService flightExecutor;
  private final ScheduledExecutorService sweep;

  private KapuServer(Builder b) throws IOException {
    this.allocator = b.allocator != null ? b.allocator : new RootAllocator();
    this.flightExecutor = Executors.newCachedThreadPool(runnable -> {
      Thread t = new Thread(runnable, "kapu-flight");
      t.setDaemon(true);
      return t;
    });
    this.parked = new ParkedStreams(allocator, PARKED_EXPIRY_MILLIS, b.inProcessName != null);
    this.dispatcher = new Dispatcher(parked, b.liveness, System::nanoTime);
    this.sweep = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread t = new Thread(runnable, "kapu-sweep");
      t.setDaemon(true);
      return t;
    });
    sweep.scheduleWithFixedDelay(this::sweepOnce, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    dispatcher.onReport((url, report) -> sessions.resultsHeld(url, Set.copyOf(report.results()), report.finished()));
    dispatcher.onLeft(sessions::daemonLeft);
    StatusActions actions = new StatusActions(dispatcher, sessions, b.admins, b.headerAuthenticator != null);
    BindableService flight = FlightGrpcUtils.createFlightService(
        allocator, new AdminProducer(b.producer, actions), ServerAuthHandler.NO_OP, flightExecutor);
    BindableService parkedCalls = FlightGrpcUtils.createFlightService(
        allocator, parked.producer(), ServerAuthHandler.NO_OP, flightExecutor);
    // As FlightServer.Builder does it: Flight middleware behind a gRPC interceptor, around the
    // Flight calls only; task streams keep their own token check.
    List<ServerInterceptorAdapter.KeyFactory<?>> middleware = new ArrayList<>();
    if (b.headerAuthenticator != null) {
      middleware.add(new ServerInterceptorAdapter.KeyFactory<>(
          FlightServerMiddleware.Key.of(Auth2Constants.AUTHORIZATION_HEADER),
          new ServerCallHeaderAuthMiddleware.Factory(KapuTokenAuthenticator.around(b.headerAuthenticator, b.token,
              StatusActions.TOKEN_CALLER))));
    }
    middleware.add(new ServerInterceptorAdapter.KeyFactory<>(ClientSessions.KEY,
        new SessionMiddleware.Factory(sessions, b.token)));
    middleware.add(new ServerInterceptorAdapter.KeyFactory<>(SESSIONS, new SessionFactory()));
    // intercept() runs the last interceptor first: the client's address is in the headers before the middleware
    ServerServiceDefinition flightCalls =
        ServerInterceptors.intercept(flight.bindService(), new ServerInterceptorAdapter(middleware), new PeerAddresses());
    this.code = new CodeStore(b.codeDirectory != null ? b.codeDirectory
        : Path.of(System.getProperty("java.io.tmpdir"), "kapu-code-" + UUID.randomUUID()), b.acceptShippedCode);
    BindableService codeCalls = FlightGrpcUtils.createFlightService(
        allocator, new CodeService(code), ServerAuthHandler.NO_OP, flightExecutor);
    ServerServiceDefinition service = new TaskService(dispatcher, b.token)
        .bind(flightCalls, parkedCalls.bindService(), codeCalls.bindService());

    if (b.inProcessName != null) {
      this.server = null;
      this.inProcess = InProcessServerBuilder.forName(b.inProcessName)
          .directExecutor()
          .addService(service)
          .build()
          .start();
      this.endpoint = new Endpoint(URI.create("inprocess://" + b.inProcessName), b.token, null);
      return;
    }
    this.inProcess = null;
    NettyServerBuilder nb = NettyServerBuilder.forAddress(new InetSocketAddress(b.host, b.port))
        .addService(service)
        .maxInboundMessageSize(Wire.MAX_MESSAGE_BYTES)
        .permitKeepAliveTime(5, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        // Closes connections to peers that stopped answering; slower than the liveness bound, so
        // a silent daemon is declared lost (and killed, if local) before its connection breaks.
        .keepAliveTime(b.liveness.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
        .keepAliveTimeout(b.liveness.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
        // Task streams never block in their callbacks, so they run on the network thread;
        // Flight calls, which may block in the producer, keep gRPC's executor.
        .callExecutor(new ServerCallExecutorSupplier() {
          @Override
          public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
            return TaskService.isTaskStream(call.getMethodDescriptor().getFullMethodName(), headers)
                ? MoreExecutors.directExecutor() : null;
          }
        });
    String advertised = b.advertise != null ? b.advertise : Hosts.isWildcard(b.host) ? Hosts.machineAddress() : b.host;
    Path trust = null;
    if (b.tls) {
      Path cert = b.certificate;
      Path key = b.privateKey;
      if (cert == null) {
        SelfSignedCertificate generated = SelfSignedCertificate.create(b.certificateDirectory,
            Hosts.isWildcard(b.host) ? new String[] {advertised} : new String[] {b.host, advertised});
        cert = generated.certificate();
        key = generated.privateKey();
      }
      nb.sslContext(GrpcSslContexts.forServer(cert.toFile(), key.toFile()).build());
      trust = cert;
    }
    this.server = nb.build().start();
    String scheme = b.tls ? "grpc+tls" : "grpc";
    this.endpoint = new Endpoint(URI.create(scheme + "://" + Hosts.forUri(advertised) + ":" + server.getPort()),
        b.token, trust);
  }

  /** A sweep that throws must not end the schedule: that would end liveness for good. */
  private void sweepOnce() {
    try {
      dispatcher.tick();
    } catch (RuntimeException e) {
      log.error("the dispatcher's sweep failed", e);
    }
  }

  /**
   * Arrow's session middleware finds its cookie only in a Cookie header that holds no other
   * cookie (it splits on " ;", not "; "); clients that keep several cookies (the bearer one of
   * {@code FlightSqlAuth}, say) send them in one header. It is handed one cookie per value.
   */
  private static final class SessionFactory extends ServerSessionMiddleware.Factory {
    SessionFactory() {
      super(() -> UUID.randomUUID().toString());
    }

    @Override
    public ServerSessionMiddleware onCallStarted(CallInfo info, CallHeaders incoming, RequestContext context) {
      return super.onCallStarted(info, new CallHeaders() {
        @Override
        public String get(String key) {
          return incoming.get(key);
        }

        @Override
        public byte[] getByte(String key) {
          return incoming.getByte(key);
        }

        @Override
        public Iterable<String> getAll(String key) {
          if (!"cookie".equalsIgnoreCase(key) || !incoming.containsKey(key)) {
            return incoming.getAll(key);
          }
          List<String> cookies = new ArrayList<>();
          for (String header : incoming.getAll(key)) {
            for (String cookie : header.split(";")) {
              cookies.add(cookie.trim());
            }
          }
          return cookies;
        }

        @Override
        public Iterable<byte[]> getAllByte(String key) {
          return incoming.getAllByte(key);
        }

        @Override
        public void insert(String key, String value) {
          incoming.insert(key, value);
        }

        @Override
        public void insert(String key, byte[] value) {
          incoming.insert(key, value);
        }

        @Override
        public java.util.Set<String> keys() {
          return incoming.keys();
        }

        @Override
        public boolean containsKey(String key) {
          return incoming.containsKey(key);
        }
      }, context);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Where daemons and clients connect: URL, token and, with TLS, the certificate to trust. */
  public Endpoint endpoint() {
    return endpoint;
  }

  /**
   * {@code listener} hears of every daemon declared lost from now on: one that sent no heartbeat
   * for the liveness bound. Whoever started it may kill it (a frozen process could wake up).
   */
  public void onDaemonLost(DaemonLossListener listener) {
    dispatcher.onDeclaredLost(listener);
  }

  /** Submits straight to this server's dispatcher, without a network hop. */
  public TaskGateway gateway() {
    return dispatcher;
  }

  public BufferAllocator allocator() {
    return allocator;
  }

  /**
   * Says that a supervisor keeps daemons hosting {@code resources} up: while none is connected
   * (one died and its replacement is starting), work naming only these resources, or none, waits
   * up to {@code patience} for one instead of failing as unroutable.
   */
  public void supervise(Collection<String> resources, Duration patience) {
    dispatcher.supervise(resources, patience);
  }

  /**
   * The process of daemon {@code daemonId} ended, as its supervisor saw: its tasks are lost now,
   * not when its stream breaks; {@code how} becomes the departure's reason.
   */
  public void daemonExited(String daemonId, String how) {
    dispatcher.exited(daemonId, how);
  }

  /** Cancels open tasks, closes every stream (daemons then exit) and frees the port. */
  @Override
  public void close() {
    sweep.shutdownNow();
    dispatcher.close();
    for (Server s : new Server[] {server, inProcess}) {
      if (s == null) {
        continue;
      }
      s.shutdown();
      try {
        if (!s.awaitTermination(2, TimeUnit.SECONDS)) {
          s.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        s.shutdownNow();
      }
    }
    flightExecutor.shutdownNow();
    parked.close();
    code.close();
  }

  /** The code sessions shipped here for their daemons; a client in this process puts its own here. */
  public CodeStore codeStore() {
    return code;
  }

  /** Makes a token: 32 random bytes, URL-safe base64. */
  public static String newToken() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static final class Builder {
    private String host = "127.0.0.1";
    private String advertise;
    private int port;
    private String token;
    private boolean tls;
    private Path certificate;
    private Path privateKey;
    private Path certificateDirectory;
    private String inProcessName;
    private FlightProducer producer = new NoOpFlightProducer();
    private BufferAllocator allocator;
    private CallHeaderAuthenticator headerAuthenticator;
    private Liveness liveness = Liveness.DEFAULT;
    private Path codeDirectory;
    private boolean acceptShippedCode = true;
    private Predicate<String> admins = user -> false;

    private Builder() {}

    /**
     * The users (peer identities the {@link #headerAuthenticator} established) holding the admin
     * right: they may read the status and end sessions, statements and tasks ({@code kapu.status},
     * {@code kapu.kill-session}...), as may a caller presenting the Kapu token. None by default.
     */
    public Builder admins(Predicate<String> admins) {
      this.admins = admins;
      return this;
    }

    /** Where code shipped by clients is kept while this server runs (a fresh temporary directory by default). */
    public Builder codeDirectory(Path dir) {
      this.codeDirectory = dir;
      return this;
    }

    /**
     * Whether clients may ship code for the daemons (true by default). Refused, a session's upload
     * fails with PERMISSION_DENIED and its daemons run only what their class path holds.
     */
    public Builder acceptShippedCode(boolean accept) {
      this.acceptShippedCode = accept;
      return this;
    }

    /**
     * How long a daemon may stay silent before it is declared lost (default 10 s); daemons are
     * told when they join, and give up a dispatcher silent as long.
     */
    public Builder liveness(Duration bound) {
      this.liveness = Liveness.of(bound);
      return this;
    }

    /**
     * Authenticates every Flight call the producer serves (Flight's auth2: for example a {@code
     * GeneratedBearerTokenAuthenticator} around a {@code BasicCallHeaderAuthenticator}, so that
     * Handshake trades a user name and password for a bearer token). Task streams are not affected:
     * they present the Kapu token. Without one, Flight calls are not authenticated.
     */
    public Builder headerAuthenticator(CallHeaderAuthenticator authenticator) {
      this.headerAuthenticator = authenticator;
      return this;
    }

    /** The address to listen on; 127.0.0.1 unless you mean to be reached from elsewhere. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /**
     * The host daemons and clients dial, when it is not the listen address: {@link KapuServer#endpoint()}'s
     * URL names it. By default the listen address, or when listening on every interface (0.0.0.0),
     * this machine's address on its network (the first non-loopback one, IPv4 first).
     */
    public Builder advertise(String host) {
      this.advertise = host;
      return this;
    }

    /** The port; 0 picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The token daemons and clients must present; a random one if not set. */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** TLS with this certificate chain and PKCS#8 key (PEM files). */
    public Builder tls(Path certificate, Path privateKey) {
      this.tls = true;
      this.certificate = certificate;
      this.privateKey = privateKey;
      return this;
    }

    /** TLS with a self-signed certificate written into {@code directory}. */
    public Builder tlsSelfSigned(Path directory) {
      this.tls = true;
      this.certificateDirectory = directory;
      return this;
    }

    /** Listen only inside this JVM, under {@code name} (for the in-process mode). */
    public Builder inProcess(String name) {
      this.inProcessName = name;
      return this;
    }

    /** Serves the plain Flight and Flight SQL calls. */
    public Builder producer(FlightProducer producer) {
      this.producer = producer;
      return this;
    }

    public Builder allocator(BufferAllocator allocator) {
      this.allocator = allocator;
      return this;
    }

    public KapuServer build() {
      if (token == null) {
        token = newToken();
      }
      if (tls && certificate == null && certificateDirectory == null) {
        throw new IllegalStateException("TLS needs a certificate or a directory for a self-signed one");
      }
      try {
        return new KapuServer(this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the Kapu server on " + host + ":" + port, e);
      }
    }
  }
}
