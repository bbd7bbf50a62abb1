package dev.kapu.client;

import dev.kapu.api.MapOptions;
import dev.kapu.api.TaskOptions;

import dev.kapu.api.ArrowTask;
import dev.kapu.api.KapuConfig;
import dev.kapu.api.MapFunction;
import dev.kapu.api.ResourceSpec;
import dev.kapu.api.Task;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.flight.Liveness;
import dev.kapu.serial.Codec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import org.apache.arrow.flight.FlightProducer;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Kapu's entry point: tasks on daemons, with futures.
 *
 * <pre>{@code
 * try (Kapu kapu = Kapu.local(2)) {
 *   int answer = kapu.submit(ctx -> 6 * 7).join();
 *   List<Integer> squares = kapu.map(List.of(1, 2, 3), x -> x * x).join();
 * }
 * }</pre>
 *
 * Tasks are serialized lambdas and run on daemons with the same classpath. Java deserialization is
 * guarded by an allow-list: tasks written in your own packages need {@link Builder#allow}.
 */
public interface Kapu extends AutoCloseable {

  /** {@code n} daemon processes on this machine and a dispatcher in this JVM. */
  static LocalKapu local(int n) {
    return builder().daemons(n).local();
  }

  /** Attaches to a running dispatcher; the token comes from {@code KAPU_TOKEN}. */
  static Kapu connect(String url) {
    return builder().connect(url);
  }

  static Builder builder() {
    return new Builder();
  }

  /** Queues a task with the session's default options. */
  <T> TaskFuture<T> submit(Task<T> task);

  <T> TaskFuture<T> submit(Task<T> task, TaskOptions options);

  /**
   * Queues a task whose explicit argument is Arrow data: {@code input}'s batches stream to the
   * daemon that runs the task (parked at the dispatcher until then), and the task reads them as
   * they arrive. Kapu takes over {@code input} and closes it once sent. The argument is read once:
   * a task whose daemon is lost after fetching it is not retried.
   */
  <T> TaskFuture<T> submit(ArrowReader input, ArrowTask<T> task);

  <T> TaskFuture<T> submit(ArrowReader input, ArrowTask<T> task, TaskOptions options);

  /** Applies {@code fn} to every item on the daemons; results come back in input order. */
  <T, R> MapJob<R> map(List<T> items, MapFunction<? super T, ? extends R> fn);

  <T, R> MapJob<R> map(List<T> items, MapFunction<? super T, ? extends R> fn, MapOptions options);

  /**
   * Runs {@code setup} on every connected daemon, and on every daemon that joins later before its
   * first task. Completes with one result per daemon connected now; tasks submitted after this
   * call see the setup's effects.
   */
  <T> CompletableFuture<List<T>> everywhere(Task<T> setup);

  /**
   * Runs SQL on a hosted resource and streams the result back as Arrow batches, straight from
   * the daemon that ran it (DuckDB's Arrow export, arrow-jdbc or ADBC on that side; no rows on
   * the way). A database error is thrown here, as a {@link RemoteTaskException} with the
   * database's message. Close the reader when done.
   */
  ArrowReader query(String resource, String sql, Object... parameters);

  /** The allocator query results are read into; closed with the session. */
  BufferAllocator allocator();

  /** Daemons and tasks awaiting, executing and completed. */
  ClusterStatus status();

  /**
   * An {@link ExecutorService} whose tasks run on the daemons. Tasks must be {@link
   * java.io.Serializable}: {@code (Callable<T> & Serializable) () -> ...}. Shutting it down does
   * not close this Kapu.
   */
  ExecutorService executor();

  /** The session's seed: with the same seed and order of submissions, random streams repeat. */
  long seed();

  /** Cancels what is still open and releases the connection (and daemons this session started). */
  @Override
  void close();

  /** What {@code submit} does when the session's queue budget is spent ({@link Builder#queueBudget}). */
  enum QueueFull {
    /** Block the caller until finished tasks make room. */
    WAIT,
    /** Throw {@link QueueFullException} at once; nothing is queued. */
    FAIL
  }

  /** Settings for a Kapu session. */
  final class Builder {
    int daemons = 1;
    int slots = 1;
    final List<String> allow = new ArrayList<>();
    final List<Codec<?>> codecs = new ArrayList<>();
    Long seed;
    TaskOptions taskOptions = TaskOptions.DEFAULT;
    boolean tls;
    String host = "127.0.0.1";
    String advertise;
    int port;
    String token;
    Path trustCertificate;
    final List<String> jvmOptions = new ArrayList<>();
    Duration startTimeout = Duration.ofSeconds(60);
    Liveness liveness = Liveness.DEFAULT;
    final List<ResourceSpec> resources = new ArrayList<>();
    Function<? super LocalKapu, ? extends FlightProducer> flightProducer;
    CallHeaderAuthenticator flightAuthenticator;
    long queueBudget;
    QueueFull whenQueueFull = QueueFull.WAIT;

    Builder() {}

    /**
     * How many bytes the tasks this session submits may hold at once before they finish: each
     * counts its encoded size (what it captures and its arguments) plus 1 KiB. Past it, {@code
     * submit} waits for room, or refuses ({@link #whenQueueFull}). A task larger than the whole
     * budget goes when no other is outstanding. {@code map} is not counted: it keeps a window of
     * chunks of its own. Default: an eighth of the heap ({@code -Xmx}).
     */
    public Builder queueBudget(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("the queue budget must be positive: " + bytes);
      }
      this.queueBudget = bytes;
      return this;
    }

    /**
     * What {@code submit} does when the queue budget is spent: {@link QueueFull#WAIT} (the default)
     * blocks the caller until tasks finish, {@link QueueFull#FAIL} throws {@link
     * QueueFullException} at once. A submit made while Kapu delivers an outcome (in a future's
     * callback on Kapu's thread) never waits, as the outcomes that would make room come that way:
     * it is let in over the budget, or with {@code FAIL} refused.
     */
    public Builder whenQueueFull(QueueFull action) {
      this.whenQueueFull = java.util.Objects.requireNonNull(action);
      return this;
    }

    /**
     * For {@link #local()}: serves the plain Flight and Flight SQL calls on the dispatcher's port
     * with the producer {@code factory} makes from the started session (for example a {@code
     * KapuFlightSqlProducer} over a {@link KapuSqlBackend}). Calls that arrive before the session
     * is up are answered "unimplemented". A producer that is {@link AutoCloseable} closes with the
     * session.
     */
    public Builder flightProducer(Function<? super LocalKapu, ? extends FlightProducer> factory) {
      this.flightProducer = factory;
      return this;
    }

    /**
     * For {@link #local()}: authenticates the Flight calls the producer serves (for example {@code
     * FlightSqlAuth.basic(user, password)}); task streams keep the session token.
     */
    public Builder flightAuthenticator(CallHeaderAuthenticator authenticator) {
      this.flightAuthenticator = authenticator;
      return this;
    }

    /**
     * A resource for daemons this session starts: replicated ones open on every daemon, pinned
     * ones on the first daemon started.
     */
    public Builder resource(ResourceSpec resource) {
      resources.add(resource);
      return this;
    }

    /** Every resource in a {@code kapu.yaml}. */
    public Builder config(Path kapuYaml) {
      resources.addAll(KapuConfig.readResources(kapuYaml));
      return this;
    }

    /** How many daemons {@link #local()} and {@link #inProcess()} start (default 1). */
    public Builder daemons(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("daemons must not be negative");
      }
      this.daemons = n;
      return this;
    }

    /** Tasks each daemon runs at once (default 1). */
    public Builder slots(int slots) {
      if (slots < 1) {
        throw new IllegalArgumentException("a daemon needs at least one slot");
      }
      this.slots = slots;
      return this;
    }

    /** Adds deserialization allow-list patterns, here and on daemons this session starts. */
    public Builder allow(String... patterns) {
      allow.addAll(List.of(patterns));
      return this;
    }

    /** Registers a codec here; daemons find theirs through {@code ServiceLoader}. */
    public Builder codec(Codec<?> codec) {
      codecs.add(codec);
      return this;
    }

    /** Fixes the seed of the per-task random streams (random by default). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Default timeout and retries for every task. */
    public Builder taskOptions(TaskOptions options) {
      this.taskOptions = options;
      return this;
    }

    /** Serve the dispatcher over TLS, with a self-signed certificate handed to the daemons. */
    public Builder tls(boolean tls) {
      this.tls = tls;
      return this;
    }

    /** Where {@link #local()} listens; 127.0.0.1 unless daemons elsewhere must reach it. */
    public Builder listen(String host, int port) {
      this.host = host;
      this.port = port;
      return this;
    }

    /**
     * For {@link #local()}: the host daemons and clients dial, when it is not the listen address.
     * By default the listen address, or with 0.0.0.0 this machine's address on its network.
     */
    public Builder advertise(String host) {
      this.advertise = host;
      return this;
    }

    /** The token for {@link #connect}; by default {@code KAPU_TOKEN}. */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** With {@code grpc+tls}, the PEM certificate to trust. */
    public Builder trustCertificate(Path certificate) {
      this.trustCertificate = certificate;
      return this;
    }

    /** Extra JVM options for daemon processes (for example {@code -Xmx4g}). */
    public Builder jvmOptions(String... options) {
      jvmOptions.addAll(List.of(options));
      return this;
    }

    /**
     * The liveness bound (default 10 s). With {@link #local()}: a daemon that sends no heartbeat
     * for this long (frozen, cut off, gone) is declared lost, its tasks fail with {@link
     * DaemonLostException} or are retried, and a daemon this session started is killed; daemons
     * give up a dispatcher silent as long. With {@link #connect}: a dispatcher that stops answering
     * is given up (every open future fails with {@link ConnectionLostException}) after gRPC keepalive
     * pings it once the connection has been silent for this long (10 s at least) and waits half
     * as long again for the answer.
     */
    public Builder liveness(Duration bound) {
      this.liveness = Liveness.of(bound);
      return this;
    }

    /** How long {@link #local()} waits for its daemons to connect (default 60 s). */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = timeout;
      return this;
    }

    /** Starts daemon processes on this machine and a dispatcher in this JVM; returns once they are connected. */
    public LocalKapu local() {
      return Sessions.local(this);
    }

    /** Daemons as threads in this JVM, over an in-process channel: the same API, for debugging. */
    public Kapu inProcess() {
      return Sessions.inProcess(this);
    }

    /** Attaches to a running dispatcher. */
    public Kapu connect(String url) {
      return Sessions.connect(this, url);
    }
  }
}
