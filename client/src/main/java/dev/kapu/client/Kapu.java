package dev.kapu.client;

import dev.kapu.api.ArrowTask;
import dev.kapu.api.MapFunction;
import dev.kapu.api.MapOptions;
import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import dev.kapu.flight.ClusterStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
 * Tasks are serialized lambdas (or objects of your own classes). Daemons that lack your classes
 * get them shipped with the session ({@link SessionOptions#shipCode}). A task carries what it
 * names: one that would carry the object it was written in is refused at submit (see {@link
 * TaskOptions#allowCapturingThis()}). Java deserialization refuses known gadget chains and the
 * JDK's classes beyond value types; your own classes, in any package, need no configuration.
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

  /**
   * Queues a task with the session's default options.
   *
   * @throws IllegalArgumentException if the task captures the object it was written in (it reads
   *     a field through {@code this}): the message names the field to copy into a local first, or
   *     allow it with {@link TaskOptions#allowCapturingThis()}
   */
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
   * An {@link java.util.concurrent.ExecutorService} whose tasks run on the daemons. Its {@code
   * submit} and {@code execute} take lambdas as they are; for {@code invokeAll} and {@code
   * invokeAny}, build the list as {@code List<SerializableCallable<T>>} (see {@link KapuExecutor}).
   * Shutting it down does not close this Kapu.
   */
  KapuExecutor executor();

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

  /**
   * Settings for a Kapu session: the options a dispatcher and its daemons share (see {@link
   * SessionOptions}), and how this session gets its daemons.
   */
  final class Builder extends SessionOptions<Builder> {
    int daemons = 1;
    String token;
    Path trustCertificate;
    Duration startTimeout = Duration.ofSeconds(60);
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

    /** How many daemons {@link #local()} and {@link #inProcess()} start (default 1). */
    public Builder daemons(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("daemons must not be negative");
      }
      this.daemons = n;
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
