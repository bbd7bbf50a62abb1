package dev.kapu.client;

import dev.kapu.api.KapuConfig;
import dev.kapu.api.ResourceSpec;
import dev.kapu.api.TaskOptions;
import dev.kapu.flight.Liveness;
import dev.kapu.serial.Codec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;

/**
 * The options a dispatcher and its daemons share, whoever starts them: {@link Kapu.Builder} and
 * a controller's builder both extend this, so each option is written, checked and documented
 * once. {@code B} is the builder itself, so that every setter keeps the chain on it.
 *
 * @param <B> the builder that extends this
 */
public abstract class SessionOptions<B extends SessionOptions<B>> {
  int slots = 1;
  final List<String> allow = new ArrayList<>();
  final List<Codec<?>> codecs = new ArrayList<>();
  Long seed;
  TaskOptions taskOptions = TaskOptions.DEFAULT;
  boolean tls;
  String host = "127.0.0.1";
  String advertise;
  int port;
  final List<String> jvmOptions = new ArrayList<>();
  Liveness liveness = Liveness.DEFAULT;
  final List<ResourceSpec> resources = new ArrayList<>();
  Function<? super LocalKapu, ? extends FlightProducer> flightProducer;
  /** Null: decided by where the daemons run (see {@link #shipCode}). */
  Boolean shipCode;
  boolean acceptShippedCode = true;
  CallHeaderAuthenticator flightAuthenticator;
  Predicate<String> flightAdmins = user -> false;

  /** For Kapu's own builders. */
  protected SessionOptions() {}

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /**
   * For {@code local()}: serves the plain Flight and Flight SQL calls on the dispatcher's port
   * with the producer {@code factory} makes from the started session (for example a {@code
   * KapuFlightSqlProducer} over a {@link KapuSqlBackend}). Calls that arrive before the session
   * is up are answered "unimplemented". A producer that is {@link AutoCloseable} closes with the
   * session. A controller's tasks submitted through it are demand its autoscaling sees.
   */
  public B flightProducer(Function<? super LocalKapu, ? extends FlightProducer> factory) {
    this.flightProducer = factory;
    return self();
  }

  /**
   * For {@code local()}: authenticates the Flight calls the producer serves (for example {@code
   * FlightSqlAuth.basic(user, password)}); task streams keep the session token.
   */
  public B flightAuthenticator(CallHeaderAuthenticator authenticator) {
    this.flightAuthenticator = authenticator;
    return self();
  }

  /**
   * For {@code local()}: the users of the {@link #flightAuthenticator} who hold the admin right:
   * they may call the server's status and kill/cancel actions ({@code kapu.status}, {@code
   * kapu.kill-session}...), as may a caller presenting the session token. None by default.
   */
  public B flightAdmins(Predicate<String> admins) {
    this.flightAdmins = admins;
    return self();
  }

  /**
   * A resource for daemons this session starts: replicated ones open on every daemon, pinned
   * ones on the first daemon started.
   */
  public B resource(ResourceSpec resource) {
    resources.add(resource);
    return self();
  }

  /** Every resource in a {@code kapu.yaml}, each as {@link #resource}. */
  public B config(Path kapuYaml) {
    KapuConfig.readResources(kapuYaml).forEach(this::resource);
    return self();
  }

  /** Tasks each daemon runs at once (default 1). */
  public B slots(int slots) {
    if (slots < 1) {
      throw new IllegalArgumentException("a daemon needs at least one slot");
    }
    this.slots = slots;
    return self();
  }

  /** Adds deserialization allow-list patterns, here and on daemons this session starts. */
  public B allow(String... patterns) {
    allow.addAll(List.of(patterns));
    return self();
  }

  /**
   * Whether this session ships its code (the jars and class directories of this JVM's class path)
   * to daemons that lack it, so that tasks written anywhere run on daemons that only have Kapu. By
   * default it does wherever daemons may lack the code: with {@code Kapu.connect} and with
   * controllers whose launcher starts workers elsewhere (SSH, SLURM, a command), but not with
   * {@code Kapu.local}, whose daemons run from this class path. Off, a daemon runs only what its own
   * class path ({@code kapu daemon --classpath}) holds.
   */
  public B shipCode(boolean ship) {
    this.shipCode = ship;
    return self();
  }

  /**
   * For {@code local()}: whether sessions that connect to this dispatcher may ship their code to
   * its daemons (default true). Refused, the dispatcher turns uploads away (a connecting session
   * then ships nothing) and the daemons it starts run only what their class path holds.
   */
  public B acceptShippedCode(boolean accept) {
    this.acceptShippedCode = accept;
    return self();
  }

  /** Registers a codec here; daemons find theirs through {@code ServiceLoader}. */
  public B codec(Codec<?> codec) {
    codecs.add(codec);
    return self();
  }

  /** Fixes the seed of the per-task random streams (random by default). */
  public B seed(long seed) {
    this.seed = seed;
    return self();
  }

  /**
   * Default options for every task: timeout, retries, and whether tasks may capture the object
   * they are written in ({@link TaskOptions#allowCapturingThis()}).
   */
  public B taskOptions(TaskOptions options) {
    this.taskOptions = options;
    return self();
  }

  /** Serve the dispatcher over TLS, with a self-signed certificate handed to the daemons. */
  public B tls(boolean tls) {
    this.tls = tls;
    return self();
  }

  /** Where {@code local()} listens; 127.0.0.1 unless daemons elsewhere must reach it. */
  public B listen(String host, int port) {
    this.host = host;
    this.port = port;
    return self();
  }

  /**
   * For {@code local()}: the host daemons and clients dial, when it is not the listen address.
   * By default the listen address, or with 0.0.0.0 this machine's address on its network.
   */
  public B advertise(String host) {
    this.advertise = host;
    return self();
  }

  /** Extra JVM options for daemon processes (for example {@code -Xmx4g}). */
  public B jvmOptions(String... options) {
    jvmOptions.addAll(List.of(options));
    return self();
  }

  /**
   * The liveness bound (default 10 s). With {@code local()}: a daemon that sends no heartbeat
   * for this long (frozen, cut off, gone) is declared lost, its tasks fail with {@link
   * dev.kapu.api.DaemonLostException} or are retried, and a daemon this session started is
   * killed; daemons give up a dispatcher silent as long. With {@code connect}: a dispatcher that
   * stops answering is given up (every open future fails with {@link
   * dev.kapu.api.ConnectionLostException}) after gRPC keepalive pings it once the connection has
   * been silent for this long (10 s at least) and waits half as long again for the answer.
   */
  public B liveness(Duration bound) {
    this.liveness = Liveness.of(bound);
    return self();
  }

  /** The allow-list patterns given so far. */
  protected final List<String> allowPatterns() {
    return List.copyOf(allow);
  }

  /** Whether code is shipped: true or false if {@link #shipCode} was called, else null. */
  protected final Boolean shipCodeChoice() {
    return shipCode;
  }

  /** The resources given so far. */
  protected final List<ResourceSpec> resourceSpecs() {
    return List.copyOf(resources);
  }

  /** The JVM options for daemons given so far. */
  protected final List<String> daemonJvmOptions() {
    return List.copyOf(jvmOptions);
  }

  /** Tasks each daemon runs at once. */
  protected final int slotsPerDaemon() {
    return slots;
  }

  /** The liveness bound. */
  protected final Duration livenessBound() {
    return liveness.bound();
  }

  /**
   * A {@link Kapu.Builder} with these options and no daemons of its own, for a dispatcher that
   * gets its daemons some other way (a controller launches them).
   */
  protected final Kapu.Builder dispatcherOnly() {
    Kapu.Builder b = Kapu.builder().daemons(0);
    b.slots = slots;
    b.allow.addAll(allow);
    b.codecs.addAll(codecs);
    b.seed = seed;
    b.taskOptions = taskOptions;
    b.tls = tls;
    b.host = host;
    b.advertise = advertise;
    b.port = port;
    b.jvmOptions.addAll(jvmOptions);
    b.liveness = liveness;
    b.resources.addAll(resources);
    b.flightProducer = flightProducer;
    b.flightAuthenticator = flightAuthenticator;
    b.flightAdmins = flightAdmins;
    b.shipCode = shipCode;
    b.acceptShippedCode = acceptShippedCode;
    return b;
  }
}
