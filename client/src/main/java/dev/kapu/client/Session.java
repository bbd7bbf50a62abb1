package dev.kapu.client;

import dev.kapu.daemon.MapFunction;
import dev.kapu.daemon.QueryTask;
import dev.kapu.daemon.StreamTicket;
import dev.kapu.daemon.Task;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.flight.ResultStreams;
import dev.kapu.flight.TaskGateway;
import dev.kapu.flight.TaskOutcome;
import dev.kapu.flight.TaskRequest;
import dev.kapu.serial.CodecRegistry;
import dev.kapu.serial.ResultEnvelope;
import dev.kapu.serial.TaskEnvelope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import java.io.IOException;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.util.TransferPair;

/** A Kapu session over any gateway; what it owns beyond the gateway closes with it. */
class Session implements Kapu {
  private final TaskGateway gateway;
  private final CodecRegistry codecs;
  private final long seed;
  private final TaskOptions defaults;
  private final AtomicLong sequence = new AtomicLong();
  private final Set<CompletableFuture<?>> open = ConcurrentHashMap.newKeySet();
  private final List<AutoCloseable> owned;
  private final BufferAllocator allocator = new RootAllocator();
  private final ResultStreams streams;
  private volatile boolean closed;

  Session(TaskGateway gateway, CodecRegistry codecs, long seed, TaskOptions defaults,
      List<AutoCloseable> owned, String token) {
    this.gateway = gateway;
    this.codecs = codecs;
    this.seed = seed;
    this.defaults = defaults;
    this.owned = owned;
    this.streams = new ResultStreams(allocator, token);
  }

  @Override
  public ArrowReader query(String resource, String sql, Object... parameters) {
    TaskOptions options = new TaskOptions(defaults.timeout(), defaults.retries(), List.of(resource));
    TaskFuture<ArrowReader> result = submit(new QueryTask(resource, sql, List.of(parameters)), options);
    try {
      return result.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new KapuException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      result.cancel(true);
      throw new KapuException("interrupted while the query ran");
    }
  }

  @SuppressWarnings("unchecked")
  private <T> void completeWith(CompletableFuture<T> future, StreamTicket arrow) {
    try {
      future.complete((T) fetch(arrow));
    } catch (IOException | RuntimeException e) {
      future.completeExceptionally(new KapuException("could not stream the task's Arrow result from "
          + arrow.location() + ": " + e.getMessage(), e));
    }
  }

  /** A reader over the daemon's stream, or for a root result, the root it holds (buffers moved, not copied). */
  private Object fetch(StreamTicket arrow) throws IOException {
    ArrowReader reader = streams.open(arrow.location(), arrow.ticket());
    if (!arrow.root()) {
      return reader;
    }
    try (reader) {
      VectorSchemaRoot source = reader.getVectorSchemaRoot();
      reader.loadNextBatch();
      List<FieldVector> vectors = new ArrayList<>();
      for (FieldVector v : source.getFieldVectors()) {
        TransferPair move = v.getTransferPair(allocator);
        move.transfer();
        vectors.add((FieldVector) move.getTo());
      }
      return new VectorSchemaRoot(source.getSchema().getFields(), vectors, source.getRowCount());
    }
  }

  /** Fetches and cancels results parked on daemons, with this session's token. */
  ResultStreams streams() {
    return streams;
  }

  @Override
  public BufferAllocator allocator() {
    return allocator;
  }

  TaskGateway gateway() {
    return gateway;
  }

  CodecRegistry codecs() {
    return codecs;
  }

  @Override
  public long seed() {
    return seed;
  }

  @Override
  public <T> TaskFuture<T> submit(Task<T> task) {
    return submit(task, defaults);
  }

  @Override
  public <T> TaskFuture<T> submit(Task<T> task, TaskOptions options) {
    ensureOpen();
    byte[] payload = TaskEnvelope.call(task, seed, sequence.incrementAndGet()).encode(codecs);
    TaskFuture<T> future = new TaskFuture<>();
    track(future);
    future.attach(gateway.submit(request(payload, options), (outcome, last) -> settle(future, outcome)));
    return future;
  }

  static TaskRequest request(byte[] payload, TaskOptions options) {
    return new TaskRequest(payload, options.timeout().toMillis(), options.retries(), options.resources());
  }

  @SuppressWarnings("unchecked")
  private <T> void settle(CompletableFuture<T> future, TaskOutcome outcome) {
    try {
      if (outcome.kind() == TaskOutcome.Kind.SUCCEEDED || outcome.kind() == TaskOutcome.Kind.FAILED) {
        ResultEnvelope.Entry entry = ResultEnvelope.decode(codecs, outcome.payload()).get(0);
        if (entry.failed()) {
          future.completeExceptionally(new RemoteTaskException(entry.error()));
        } else if (entry.value() instanceof StreamTicket arrow) {
          // An Arrow result streams from the daemon; reading a whole root must not hold up this
          // network thread, a reader is only opened.
          if (arrow.root()) {
            CompletableFuture.runAsync(() -> completeWith(future, arrow));
          } else {
            completeWith(future, arrow);
          }
        } else {
          future.complete((T) entry.value());
        }
      } else {
        future.completeExceptionally(error(outcome));
      }
    } catch (RuntimeException e) {
      future.completeExceptionally(e); // this side could not decode the result: the codec says why
    }
  }

  /** The exception for an outcome that carries no result. */
  static Throwable error(TaskOutcome outcome) {
    return switch (outcome.kind()) {
      case CANCELLED -> new CancellationException(outcome.message());
      case TIMED_OUT -> new TaskTimeoutException("task timed out on daemon " + outcome.daemonId()
          + ": " + outcome.message());
      case DAEMON_LOST -> new DaemonLostException(outcome.message(), outcome.daemonId());
      case CONNECTION_LOST -> new ConnectionLostException(outcome.message());
      case UNROUTABLE -> new UnknownResourceException(outcome.message());
      default -> new KapuException("unexpected outcome " + outcome.kind() + ": " + outcome.message());
    };
  }

  @Override
  public <T, R> MapJob<R> map(List<T> items, MapFunction<? super T, ? extends R> fn) {
    return map(items, fn, MapOptions.DEFAULT.withTask(defaults));
  }

  @Override
  public <T, R> MapJob<R> map(List<T> items, MapFunction<? super T, ? extends R> fn, MapOptions options) {
    ensureOpen();
    MapRun<R> run = new MapRun<>(this, items, fn, options, sequence.incrementAndGet(), totalSlots());
    track(run);
    run.start();
    return run;
  }

  /** Slots across connected daemons, to size map chunks and how many are in flight. */
  private int totalSlots() {
    int slots = status().daemons().stream().mapToInt(ClusterStatus.Daemon::slots).sum();
    return Math.max(1, slots);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<List<T>> everywhere(Task<T> setup) {
    ensureOpen();
    byte[] payload = TaskEnvelope.call(setup, seed, sequence.incrementAndGet()).encode(codecs);
    CompletableFuture<List<T>> future = new CompletableFuture<>();
    track(future);
    List<T> results = Collections.synchronizedList(new ArrayList<>());
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    gateway.everywhere(request(payload, defaults), (outcome, last) -> {
      if (!outcome.daemonId().isEmpty()) {
        CompletableFuture<Object> one = new CompletableFuture<>();
        settle(one, outcome);
        try {
          results.add((T) one.getNow(null));
        } catch (CompletionException | CancellationException e) {
          errors.add(e instanceof CompletionException ? e.getCause() : e);
        }
      }
      if (last) {
        if (errors.isEmpty()) {
          future.complete(Collections.unmodifiableList(new ArrayList<>(results)));
        } else {
          KapuException failure = new KapuException(
              "everywhere() failed on " + errors.size() + " daemon(s): " + errors.get(0).getMessage(),
              errors.get(0));
          errors.stream().skip(1).forEach(failure::addSuppressed);
          future.completeExceptionally(failure);
        }
      }
    });
    return future;
  }

  @Override
  public ClusterStatus status() {
    try {
      return gateway.status().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new ConnectionLostException(e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw new ConnectionLostException("the dispatcher did not answer a status request within 30 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KapuException("interrupted while asking for status");
    }
  }

  @Override
  public ExecutorService executor() {
    return new KapuExecutorService(this);
  }

  void track(CompletableFuture<?> future) {
    open.add(future);
    future.whenComplete((v, e) -> open.remove(future));
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("this Kapu session is closed");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (CompletableFuture<?> f : List.copyOf(open)) {
      f.cancel(true);
    }
    gateway.close();
    try {
      streams.close();
    } catch (Exception e) {
      // closing anyway
    }
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
    try {
      allocator.close();
    } catch (IllegalStateException e) {
      // a reader the caller never closed: its memory goes with the JVM
    }
  }
}
