package dev.kapu.client;

import dev.kapu.api.Endpoint;
import dev.kapu.api.KapuException;
import dev.kapu.api.ResourceSpec;
import dev.kapu.api.spi.DaemonOptions;
import dev.kapu.api.spi.DaemonRuntime;
import dev.kapu.client.internal.SessionDirectories;
import dev.kapu.flight.KapuServer;
import dev.kapu.client.code.CodeShipment;
import dev.kapu.flight.TaskGateway;
import dev.kapu.serial.Codec;
import dev.kapu.serial.CodecRegistry;
import dev.kapu.serial.SerialFilter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Builds the three kinds of session from a {@link Kapu.Builder}. */
final class Sessions {
  private Sessions() {}

  static CodecRegistry codecs(Kapu.Builder b) {
    return codecs(b, "");
  }

  /** @param codeId the code this session shipped, which its tasks name; empty for none */
  static CodecRegistry codecs(Kapu.Builder b, String codeId) {
    CodecRegistry.Builder registry = CodecRegistry.builder().filter(SerialFilter.withDefaults(b.allow))
        .codeId(codeId);
    for (Codec<?> c : b.codecs) {
      registry.register(c);
    }
    return registry.discover().build();
  }

  static QueueBudget budget(Kapu.Builder b) {
    return new QueueBudget(b.queueBudget > 0 ? b.queueBudget : QueueBudget.defaultLimit(), b.whenQueueFull);
  }

  private static long seed(Kapu.Builder b) {
    return b.seed != null ? b.seed : new SecureRandom().nextLong();
  }

  static LocalKapu local(Kapu.Builder b) {
    Path dir;
    try {
      dir = SessionDirectories.create(null, "kapu-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make a session directory", e);
    }
    try {
      return local(b, dir);
    } catch (RuntimeException e) {
      SessionDirectories.delete(dir);
      throw e;
    }
  }

  private static LocalKapu local(Kapu.Builder b, Path dir) {
    KapuServer.Builder server = KapuServer.builder().host(b.host).advertise(b.advertise).port(b.port)
        .liveness(b.liveness.bound()).acceptShippedCode(b.acceptShippedCode).admins(b.flightAdmins);
    if (b.tls) {
      server.tlsSelfSigned(dir.resolve("tls"));
    }
    LateProducer producer = new LateProducer();
    if (b.flightProducer != null) {
      server.producer(producer);
    }
    if (b.flightAuthenticator != null) {
      server.headerAuthenticator(b.flightAuthenticator);
    }
    KapuServer started = server.build();
    ProcessDaemons daemons = null;
    DaemonSupervisor supervisor = null;
    try {
      daemons = new ProcessDaemons(started.endpoint(), dir, b);
      supervisor = new DaemonSupervisor(started, daemons, b.startTimeout);
      // Its own daemons run from this class path; others (a controller's elsewhere) may need the code.
      String codeId = SessionCode.ship(SessionCode.prepare(Boolean.TRUE.equals(b.shipCode)), started.codeStore());
      LocalSession session = new LocalSession(started, daemons, supervisor, codecs(b, codeId), seed(b), b,
          List.of(producer, daemons, started));
      session.addDaemons(b.daemons);
      if (b.flightProducer != null) {
        producer.attach(b.flightProducer, session);
      }
      return session;
    } catch (RuntimeException e) {
      if (supervisor != null) {
        supervisor.close();
      }
      if (daemons != null) {
        daemons.close();
      }
      started.close();
      throw e;
    }
  }

  static Kapu inProcess(Kapu.Builder b) {
    KapuServer server = KapuServer.builder().inProcess("kapu-" + UUID.randomUUID()).liveness(b.liveness.bound()).build();
    ThreadDaemons daemons = new ThreadDaemons(server.endpoint(), b);
    LocalSession session = new LocalSession(server, daemons, null, codecs(b), seed(b), b, List.of(daemons, server));
    session.addDaemons(b.daemons);
    return session;
  }

  static Kapu connect(Kapu.Builder b, String url) {
    String token = b.token != null ? b.token : System.getenv("KAPU_TOKEN");
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException("no token: pass Kapu.builder().token(...) or set KAPU_TOKEN");
    }
    Endpoint endpoint = new Endpoint(URI.create(url), token, b.trustCertificate);
    CodeShipment code = SessionCode.prepare(!Boolean.FALSE.equals(b.shipCode));
    TaskGateway gateway;
    try {
      gateway = TaskGateway.connect(endpoint, b.liveness, code != null ? code.codeId() : "");
    } catch (IllegalStateException e) {
      throw new KapuException("cannot connect to " + url + ": " + e.getMessage(), e);
    }
    String codeId;
    try {
      codeId = SessionCode.ship(code, gateway.code());
    } catch (RuntimeException e) {
      gateway.close();
      throw e;
    } finally {
      if (code != null) {
        code.discard();
      }
    }
    return new Session(gateway, codecs(b, codeId), seed(b), b.taskOptions, List.of(), token, b.liveness, budget(b));
  }

  /** Starts daemons somewhere and says which have started. */
  interface DaemonStarter extends AutoCloseable {
    /** Starts one daemon named {@code id} that opens {@code resources}. */
    void start(String id, List<ResourceSpec> resources);

    /** Null while the daemon may still connect; else why it never will. */
    String failure(String id);

    /** Kills the daemon named {@code id} at once (a stopped process too): it was declared lost. */
    void kill(String id);

    @Override
    void close();
  }

  /** A session with its own dispatcher. */
  static final class LocalSession extends Session implements LocalKapu {
    private final KapuServer server;
    private final DaemonStarter starter;
    private final DaemonSupervisor supervisor;
    private final Duration startTimeout;
    private final AtomicInteger launched = new AtomicInteger();
    private final List<ResourceSpec> resources;

    /**
     * @param supervisor replaces daemon processes that die; null for daemons that cannot die alone
     * @param owned closed last to first (the server, then the daemons, then the producer), after the
     *     supervisor, so that nothing is replaced while the session closes
     */
    LocalSession(KapuServer server, DaemonStarter starter, DaemonSupervisor supervisor, CodecRegistry codecs,
        long seed, Kapu.Builder b, List<AutoCloseable> owned) {
      super(server.gateway(), codecs, seed, b.taskOptions, owned, server.endpoint().token(), b.liveness,
          budget(b));
      this.server = server;
      this.starter = starter;
      // A daemon declared lost may be frozen: killed, it cannot wake up and hold on to what it hosts
      // (and the supervisor, seeing its process end, replaces it).
      server.onDaemonLost((id, reason) -> starter.kill(id));
      this.supervisor = supervisor;
      this.startTimeout = b.startTimeout;
      this.resources = List.copyOf(b.resources);
    }

    /** Replicated resources open everywhere; pinned ones on the first daemon only. */
    private List<ResourceSpec> resourcesFor(int ordinal) {
      return resources.stream()
          .filter(r -> r.placement() == ResourceSpec.Placement.REPLICATED || ordinal == 1)
          .toList();
    }

    @Override
    public Endpoint endpoint() {
      return server.endpoint();
    }

    @Override
    public void close() {
      if (supervisor != null) {
        supervisor.close();
      }
      super.close();
    }

    /** Starts daemons and waits for them; once connected, the supervisor replaces them if they die. */
    @Override
    public void addDaemons(int n) {
      Map<String, List<ResourceSpec>> started = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        int ordinal = launched.incrementAndGet();
        String id = "local-" + ordinal;
        starter.start(id, resourcesFor(ordinal));
        started.put(id, resourcesFor(ordinal));
      }
      awaitConnected(started.keySet());
      if (supervisor != null) {
        started.forEach(supervisor::watch);
      }
    }

    private void awaitConnected(Set<String> ids) {
      long deadline = System.nanoTime() + startTimeout.toNanos();
      Set<String> waiting = ConcurrentHashMap.newKeySet();
      waiting.addAll(ids);
      while (!waiting.isEmpty()) {
        status().daemons().forEach(d -> waiting.remove(d.id()));
        for (String id : waiting) {
          String failure = starter.failure(id);
          if (failure != null) {
            throw new KapuException("daemon " + id + " did not start: " + failure);
          }
        }
        if (waiting.isEmpty()) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new KapuException("daemons " + waiting + " did not connect within "
              + startTimeout.toSeconds() + " s");
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KapuException("interrupted while waiting for daemons");
        }
      }
    }
  }

  /** Daemons as threads of this JVM: for debugging with the same code path. */
  static final class ThreadDaemons implements DaemonStarter {
    private final Endpoint endpoint;
    private final Kapu.Builder b;
    private final DaemonRuntime runtime = DaemonRuntime.require("Kapu.builder().inProcess()");
    private final Map<String, DaemonRuntime.RunningDaemon> daemons = new LinkedHashMap<>();

    ThreadDaemons(Endpoint endpoint, Kapu.Builder b) {
      this.endpoint = endpoint;
      this.b = b;
    }

    @Override
    public synchronized void start(String id, List<ResourceSpec> resources) {
      daemons.put(id, runtime.start(new DaemonOptions(endpoint, id, b.slots, Duration.ZERO, Duration.ZERO,
          0, b.allow, DaemonOptions.DEFAULT_STOP_GRACE, resources, false,
          new DaemonOptions.Code(List.of(), b.acceptShippedCode, null))));
    }

    @Override
    public String failure(String id) {
      return null;
    }

    /**
     * A thread cannot be killed: the daemon is closed, which interrupts its tasks, on a thread of
     * its own, as closing waits for its connection to end.
     */
    @Override
    public synchronized void kill(String id) {
      DaemonRuntime.RunningDaemon daemon = daemons.remove(id);
      if (daemon != null) {
        Thread closer = new Thread(daemon::close, "kapu-kill-" + id);
        closer.setDaemon(true);
        closer.start();
      }
    }

    @Override
    public synchronized void close() {
      daemons.values().forEach(DaemonRuntime.RunningDaemon::close);
    }
  }
}
