package dev.kapu.client;

import dev.kapu.api.ArrowTask;
import dev.kapu.api.ConnectionLostException;
import dev.kapu.api.KapuException;
import dev.kapu.api.MapFunction;
import dev.kapu.api.MapOptions;
import dev.kapu.api.Task;
import dev.kapu.api.TaskOptions;
import dev.kapu.api.builtin.ArrowInputTask;
import dev.kapu.api.builtin.QueryTask;
import dev.kapu.flight.ByteStreams;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.flight.Liveness;
import dev.kapu.flight.OutcomeListener;
import dev.kapu.flight.ResultStreams;
import dev.kapu.flight.TaskGateway;
import dev.kapu.flight.TaskHandle;
import dev.kapu.flight.TaskOutcome;
import dev.kapu.flight.TaskRequest;
import dev.kapu.serial.CodecRegistry;
import dev.kapu.serial.EncodedBytes;
import dev.kapu.serial.ParkedEnvelope;
import dev.kapu.serial.ResultEnvelope;
import dev.kapu.serial.TaskEnvelope;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

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
  /** Fetches and decodes large results, which must not hold up the network thread that hears outcomes. */
  private final ExecutorService transfers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kapu-transfer");
    t.setDaemon(true);
    return t;
  });
  /** Turns outcomes into results. */
  private final TaskResults results;
  /** Bounds what submitted tasks hold until they finish; map keeps its own window instead. */
  private final QueueBudget budget;
  /** Set while this thread delivers a task's outcome: a submit from a callback there must not wait. */
  private static final ThreadLocal<Boolean> DELIVERING = ThreadLocal.withInitial(() -> false);
  private volatile boolean closed;

  Session(TaskGateway gateway, CodecRegistry codecs, long seed, TaskOptions defaults,
      List<AutoCloseable> owned, String token, Liveness liveness, QueueBudget budget) {
    this.budget = budget;
    this.gateway = gateway;
    this.codecs = codecs;
    this.seed = seed;
    this.defaults = defaults;
    this.owned = owned;
    this.streams = new ResultStreams(allocator, token, liveness);
    this.results = new TaskResults(codecs, streams, allocator, transfers);
  }

  @Override
  public ArrowReader query(String resource, String sql, Object... parameters) {
    TaskOptions options = new TaskOptions(defaults.timeout(), defaults.retries(), List.of(resource));
    TaskFuture<ArrowReader> result = submit(new QueryTask(resource, sql, Arrays.asList(parameters)), options); // null: SQL NULL
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

  /** The entries of a task's result; see {@link TaskResults#results}. */
  CompletableFuture<ResultEnvelope.Decoded> results(TaskOutcome outcome) {
    return results.results(outcome);
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
    CapturedThis.refuse(task, options, "task");
    EncodedBytes envelope = TaskEnvelope.call(task, seed, sequence.incrementAndGet()).encode(codecs);
    long taken = budget.take(envelope.size(), !DELIVERING.get());
    TaskFuture<T> future = new TaskFuture<>(open);
    send(envelope, Map.of(), options, 1, returning(taken, (outcome, last) -> results.settle(future, outcome)),
        future::attach);
    return future;
  }

  /** {@code listener}, after giving back to the budget what the task took, when its last outcome comes. */
  private OutcomeListener returning(long taken, OutcomeListener listener) {
    return (outcome, last) -> {
      if (last) {
        budget.giveBack(taken);
      }
      listener.onOutcome(outcome, last);
    };
  }

  @Override
  public <T> TaskFuture<T> submit(ArrowReader input, ArrowTask<T> task) {
    return submit(input, task, defaults);
  }

  @Override
  public <T> TaskFuture<T> submit(ArrowReader input, ArrowTask<T> task, TaskOptions options) {
    String ticket = UUID.randomUUID().toString();
    EncodedBytes envelope;
    long taken;
    try {
      ensureOpen();
      CapturedThis.refuse(task, options, "task");
      envelope = TaskEnvelope.call(new ArrowInputTask<>(task, ticket), seed, sequence.incrementAndGet())
          .encode(codecs);
      taken = budget.take(envelope.size(), !DELIVERING.get()); // the input streams: only its envelope waits
    } catch (RuntimeException e) {
      closeQuietly(input); // it was handed over
      throw e;
    }
    TaskFuture<T> future = new TaskFuture<>(open);
    send(envelope, Map.of(ticket, input), options, 1, returning(taken, (outcome, last) -> results.settle(future, outcome)),
        future::attach);
    return future;
  }

  /**
   * Sends an encoded task. A small one with nothing to stream goes at once, inline. Otherwise its
   * streams (Arrow arguments, and the envelope itself if it is large) are parked at the dispatcher
   * first, and the task follows naming them; {@code attach} hears the task's handle then.
   *
   * @param calls how many calls the timeout applies to, one after another (a map chunk's items)
   */
  void send(EncodedBytes envelope, Map<String, ArrowReader> arguments, TaskOptions options, int calls,
      OutcomeListener outcomes, Consumer<TaskHandle> attach) {
    OutcomeListener listener = delivering(outcomes);
    if (arguments.isEmpty() && ByteStreams.inline(envelope)) {
      attach.accept(gateway.submit(request(envelope.toByteArray(), options, List.of(), calls), listener));
      return;
    }
    Map<String, ArrowReader> parked = new LinkedHashMap<>(arguments);
    byte[] payload;
    if (ByteStreams.inline(envelope)) {
      payload = envelope.toByteArray();
    } else {
      String ticket = UUID.randomUUID().toString();
      parked.put(ticket, ByteStreams.reader(envelope, allocator));
      payload = new ParkedEnvelope("", ticket.getBytes(StandardCharsets.UTF_8)).encode();
    }
    CompletableFuture<?>[] uploads = parked.entrySet().stream()
        .map(e -> gateway.park(e.getKey(), e.getValue()))
        .toArray(CompletableFuture[]::new);
    CompletableFuture.allOf(uploads).whenComplete((done, error) -> {
      if (error != null) {
        listener.onOutcome(TaskOutcome.of(TaskOutcome.Kind.CONNECTION_LOST,
            "could not send the task's input to the dispatcher: " + TaskResults.unwrap(error).getMessage(), ""), true);
      } else {
        attach.accept(gateway.submit(request(payload, options, List.copyOf(parked.keySet()), calls), listener));
      }
    });
  }

  /** {@code listener}, marking the thread as one that delivers outcomes while it runs. */
  private static OutcomeListener delivering(OutcomeListener listener) {
    return (outcome, last) -> {
      boolean outer = DELIVERING.get();
      DELIVERING.set(true);
      try {
        listener.onOutcome(outcome, last);
      } finally {
        DELIVERING.set(outer);
      }
    };
  }

  static TaskRequest request(byte[] payload, TaskOptions options, List<String> parked, int calls) {
    // A task whose input is parked waits for it: only the client knows (the daemon decides the rest).
    boolean nonBlocking = options.nonBlocking() && parked.isEmpty();
    return new TaskRequest(payload, options.timeout().toMillis(), options.retries(), options.resources(), parked,
        calls, TaskRequest.IN_PROCESS, nonBlocking);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // nothing more to free
    }
  }

  @Override
  public <T, R> MapJob<R> map(List<T> items, MapFunction<? super T, ? extends R> fn) {
    return map(items, fn, MapOptions.DEFAULT.withTask(defaults));
  }

  @Override
  public <T, R> MapJob<R> map(List<T> items, MapFunction<? super T, ? extends R> fn, MapOptions options) {
    ensureOpen();
    CapturedThis.refuse(fn, options.task(), "map function");
    MapRun<R> run = new MapRun<>(this, items, fn, options, sequence.incrementAndGet(), totalSlots());
    track(run);
    run.start();
    return run;
  }

  /** Slots across connected daemons, to size map chunks and how many are in flight. */
  private int totalSlots() {
    return Math.max(1, answer(gateway.slots(), "a slot count request"));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> CompletableFuture<List<T>> everywhere(Task<T> setup) {
    ensureOpen();
    CapturedThis.refuse(setup, defaults, "setup");
    // Every daemon fetches a setup, so it always travels inline (a fetch is once only).
    byte[] payload = TaskEnvelope.call(setup, seed, sequence.incrementAndGet()).encode(codecs).toByteArray();
    CompletableFuture<List<T>> future = new CompletableFuture<>();
    track(future);
    List<CompletableFuture<Object>> each = Collections.synchronizedList(new ArrayList<>());
    gateway.everywhere(request(payload, defaults, List.of(), 1), (outcome, last) -> {
      if (!outcome.daemonId().isEmpty()) {
        CompletableFuture<Object> one = new CompletableFuture<>();
        results.settle(one, outcome);
        each.add(one);
      }
      if (last) {
        CompletableFuture<?>[] all = each.toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(all).whenComplete((done, ignored) -> {
          List<T> results = new ArrayList<>();
          List<Throwable> errors = new ArrayList<>();
          for (CompletableFuture<?> one : all) {
            try {
              results.add((T) one.join());
            } catch (CompletionException | CancellationException e) {
              errors.add(e instanceof CompletionException ? e.getCause() : e);
            }
          }
          if (errors.isEmpty()) {
            future.complete(Collections.unmodifiableList(results));
          } else {
            KapuException failure = new KapuException(
                "everywhere() failed on " + errors.size() + " daemon(s): " + errors.get(0).getMessage(),
                errors.get(0));
            errors.stream().skip(1).forEach(failure::addSuppressed);
            future.completeExceptionally(failure);
          }
        });
      }
    });
    return future;
  }

  @Override
  public ClusterStatus status() {
    return answer(gateway.status(), "a status request");
  }

  /** The dispatcher's answer to {@code request}, waited for up to 30 s. */
  private static <T> T answer(CompletableFuture<T> answer, String request) {
    try {
      return answer.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new ConnectionLostException(e.getCause().getMessage());
    } catch (TimeoutException e) {
      throw new ConnectionLostException("the dispatcher did not answer " + request + " within 30 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KapuException("interrupted while waiting for the answer to " + request);
    }
  }

  @Override
  public KapuExecutor executor() {
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
    budget.close();
    for (CompletableFuture<?> f : List.copyOf(open)) {
      f.cancel(true);
    }
    gateway.close();
    transfers.shutdownNow();
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
