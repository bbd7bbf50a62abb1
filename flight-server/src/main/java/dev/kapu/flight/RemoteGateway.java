package dev.kapu.flight;

import com.google.protobuf.ByteString;
import dev.kapu.api.Endpoint;
import dev.kapu.flight.internal.wire.Cancel;
import dev.kapu.flight.internal.wire.DaemonState;
import dev.kapu.flight.internal.wire.Departure;
import dev.kapu.flight.internal.wire.FromClient;
import dev.kapu.flight.internal.wire.Outcome;
import dev.kapu.flight.internal.wire.StatusReply;
import dev.kapu.flight.internal.wire.StatusRequest;
import dev.kapu.flight.internal.wire.Submit;
import dev.kapu.flight.internal.wire.ToClient;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.impl.Flight.FlightData;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * A client's stream to a dispatcher in another process. gRPC keepalive watches the connection: a
 * dispatcher that stops answering (frozen, cut off) is given up within the {@link Liveness}
 * keepalive time and timeout, and every open task completes CONNECTION_LOST.
 */
final class RemoteGateway implements TaskGateway {
  private final Endpoint endpoint;
  private final ManagedChannel channel;
  /** The task stream, written only while gRPC says it is ready. */
  private final ReadySender out;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, OutcomeListener> open = new ConcurrentHashMap<>();
  private final Map<Long, CompletableFuture<ClusterStatus>> statusRequests = new ConcurrentHashMap<>();
  private final Map<Long, CompletableFuture<Integer>> slotRequests = new ConcurrentHashMap<>();
  private final ExecutorService uploads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kapu-upload");
    t.setDaemon(true);
    return t;
  });
  private final BufferAllocator uploadAllocator = new RootAllocator();
  private volatile String lostBecause;

  private RemoteGateway(Endpoint endpoint, Liveness liveness, String codeId) {
    this.endpoint = endpoint;
    this.channel = Channels.open(endpoint, liveness.keepAliveTime(), liveness.keepAliveTimeout());
    ReadySender[] sender = new ReadySender[1]; // made as the call starts, before it can be written
    var stub = Channels.stub(channel, endpoint, Wire.CLIENT);
    if (!codeId.isEmpty()) {
      Metadata code = new Metadata();
      code.put(Wire.CODE, codeId);
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(code));
    }
    stub.doExchange(new ClientResponseObserver<FlightData, FlightData>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<FlightData> stream) {
        sender[0] = new ReadySender(stream);
        stream.setOnReadyHandler(sender[0]::writeWaiting);
      }

      @Override
      public void onNext(FlightData data) {
        ToClient message = Wire.unframe(data, ToClient.parser());
        if (message.hasOutcome()) {
          Outcome o = message.getOutcome();
          OutcomeListener listener = o.getLast() ? open.remove(o.getTaskId()) : open.get(o.getTaskId());
          if (listener != null) {
            listener.onOutcome(new TaskOutcome(Wire.fromWire(o.getKind()), o.getPayload().toByteArray(),
                o.getMessage(), o.getDaemonId()), o.getLast());
          }
        } else if (message.hasStatus()) {
          StatusReply s = message.getStatus();
          CompletableFuture<Integer> slots = slotRequests.remove(s.getRequestId());
          if (slots != null) {
            slots.complete(slotsOf(s));
          }
          CompletableFuture<ClusterStatus> f = statusRequests.remove(s.getRequestId());
          if (f != null) {
            f.complete(fromWire(s));
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        Status status = Status.fromThrowable(t);
        lost("the connection to the dispatcher at " + endpoint + " failed: " + status.getCode()
            + (status.getDescription() != null ? " (" + status.getDescription() + ")" : ""));
      }

      @Override
      public void onCompleted() {
        lost("the dispatcher at " + endpoint + " closed the connection");
      }
    });
    this.out = sender[0];
  }

  /** Connects and makes one status round trip, so a refused token or a dead server fails here. */
  public static RemoteGateway connect(Endpoint endpoint, Liveness liveness) {
    return connect(endpoint, liveness, "");
  }

  /**
   * As {@link #connect(Endpoint, Liveness)}, for a session that ships the code {@code codeId}
   * (empty for none): the daemons drop their class loader for it when this connection ends.
   */
  public static RemoteGateway connect(Endpoint endpoint, Liveness liveness, String codeId) {
    RemoteGateway gateway = new RemoteGateway(endpoint, liveness, codeId);
    try {
      gateway.status().get(30, TimeUnit.SECONDS);
      return gateway;
    } catch (ExecutionException e) {
      gateway.close();
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      gateway.close();
      throw new IllegalStateException("no answer from the dispatcher at " + endpoint + " within 30 s");
    } catch (InterruptedException e) {
      gateway.close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while connecting to " + endpoint);
    }
  }

  /** Shipped code calls on this gateway's connection. */
  @Override
  public CodeCalls code() {
    return new CodeCalls(channel, endpoint, Wire.CLIENT);
  }

  private void lost(String why) {
    lostBecause = why;
    if (out != null) { // null if the call failed as it started
      out.drop();
    }
    List<OutcomeListener> listeners = new ArrayList<>(open.values());
    open.clear();
    for (OutcomeListener l : listeners) {
      l.onOutcome(TaskOutcome.of(TaskOutcome.Kind.CONNECTION_LOST, why, ""), true);
    }
    statusRequests.values().forEach(f -> f.completeExceptionally(new IllegalStateException(why)));
    statusRequests.clear();
    slotRequests.values().forEach(f -> f.completeExceptionally(new IllegalStateException(why)));
    slotRequests.clear();
  }

  private void send(FromClient message) {
    out.send(Wire.frame(message));
  }

  @Override
  public TaskHandle submit(TaskRequest request, OutcomeListener listener) {
    return send(request, listener, false);
  }

  @Override
  public TaskHandle everywhere(TaskRequest request, OutcomeListener listener) {
    return send(request, listener, true);
  }

  private TaskHandle send(TaskRequest request, OutcomeListener listener, boolean everywhere) {
    long id = ids.incrementAndGet();
    String lost = lostBecause;
    if (lost != null) {
      listener.onOutcome(TaskOutcome.of(TaskOutcome.Kind.CONNECTION_LOST, lost, ""), true);
      return () -> { };
    }
    open.put(id, listener);
    send(FromClient.newBuilder().setSubmit(Submit.newBuilder()
        .setTaskId(id)
        .setPayload(ByteString.copyFrom(request.payload()))
        .setTimeoutMillis(request.timeoutMillis())
        .setMaxRetries(request.maxRetries())
        .setEverywhere(everywhere)
        .addAllResources(request.resources())
        .addAllParked(request.parked())
        .setCalls(request.calls())
        .setNonBlocking(request.nonBlocking())).build());
    return () -> {
      if (open.containsKey(id)) {
        send(FromClient.newBuilder().setCancel(Cancel.newBuilder().setTaskId(id)).build());
      }
    };
  }

  /** Uploads with {@code DoPut} on this gateway's connection, on a thread of its own. */
  @Override
  public CompletableFuture<Void> park(String ticket, ArrowReader batches) {
    CompletableFuture<Void> parked = new CompletableFuture<>();
    try {
      uploads.execute(() -> {
        try {
          upload(ticket, batches);
          parked.complete(null);
        } catch (Throwable t) {
          parked.completeExceptionally(t);
        }
      });
    } catch (RejectedExecutionException e) {
      closeQuietly(batches);
      parked.completeExceptionally(new IllegalStateException("the gateway to " + endpoint + " is closed"));
    }
    return parked;
  }

  private void upload(String ticket, ArrowReader batches) throws Exception {
    FlightCallHeaders headers = new FlightCallHeaders();
    headers.insert(Wire.ROLE.name(), Wire.CLIENT);
    headers.insert(Wire.TOKEN.name(), endpoint.token());
    Ack ack = new Ack();
    try (batches; FlightClient flight = FlightGrpcUtils.createFlightClientWithSharedChannel(uploadAllocator, channel)) {
      FlightClient.ClientStreamListener put = flight.startPut(
          FlightDescriptor.path(ParkedStreams.PUT_PATH, ticket), batches.getVectorSchemaRoot(), ack,
          new HeaderCallOption(headers));
      while (batches.loadNextBatch()) {
        if (!Outbound.awaitReady(put, ack.done::isDone)) {
          if (ack.done.isDone()) {
            ack.getResult(); // the dispatcher's error, if it ended the upload with one
          } else {
            put.error(new IllegalStateException("the dispatcher stopped reading"));
          }
          throw new IllegalStateException("the dispatcher at " + endpoint + " did not take the whole stream");
        }
        put.putNext();
      }
      put.completed();
      put.getResult();
    }
  }

  /** Hears the end of an upload; the dispatcher sends no results before it. */
  private static final class Ack implements FlightClient.PutListener {
    final CompletableFuture<Void> done = new CompletableFuture<>();

    @Override
    public void onNext(PutResult val) {
      val.close();
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      done.complete(null);
    }

    @Override
    public void getResult() {
      try {
        done.join();
      } catch (CompletionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : e;
      }
    }

    @Override
    public boolean isCancelled() {
      return done.isDone();
    }
  }

  private static void closeQuietly(ArrowReader reader) {
    try {
      reader.close();
    } catch (Exception e) {
      // nothing more to free
    }
  }

  @Override
  public CompletableFuture<ClusterStatus> status() {
    return askStatus(statusRequests, false);
  }

  @Override
  public CompletableFuture<Integer> slots() {
    return askStatus(slotRequests, true);
  }

  /** Sends a status request; its reply completes the future {@code waiting} keeps under its id. */
  private <T> CompletableFuture<T> askStatus(Map<Long, CompletableFuture<T>> waiting, boolean slotsOnly) {
    long id = ids.incrementAndGet();
    CompletableFuture<T> f = new CompletableFuture<>();
    String lost = lostBecause;
    if (lost != null) {
      f.completeExceptionally(new IllegalStateException(lost));
      return f;
    }
    waiting.put(id, f);
    send(FromClient.newBuilder().setStatus(StatusRequest.newBuilder().setRequestId(id).setSlotsOnly(slotsOnly)).build());
    return f;
  }

  /** The slots a reply counts; a dispatcher that predates {@code slots_only} sent every daemon instead. */
  static int slotsOf(StatusReply s) {
    if (s.getDaemonsCount() > 0) {
      return s.getDaemonsList().stream().mapToInt(DaemonState::getSlots).sum();
    }
    return (int) s.getSlots();
  }

  static ClusterStatus fromWire(StatusReply s) {
    List<ClusterStatus.Daemon> daemons = new ArrayList<>();
    for (DaemonState d : s.getDaemonsList()) {
      daemons.add(new ClusterStatus.Daemon(d.getDaemonId(), d.getHost(), d.getPid(), d.getSlots(),
          d.getExecuting(), d.getCompleted(), d.getFailed(), d.getConnectedAtMillis(), d.getDraining(),
          List.copyOf(d.getResourcesList()), d.getFlightUrl(), d.getRunawayThreads(),
          Optional.ofNullable(ProcessUsage.fromWire(d.hasUsage(), d.getUsage()))));
    }
    List<ClusterStatus.Departure> departed = new ArrayList<>();
    for (Departure d : s.getDepartedList()) {
      departed.add(new ClusterStatus.Departure(d.getDaemonId(), d.getClean(), d.getReason(), d.getAtMillis()));
    }
    return new ClusterStatus(s.getAwaiting(), s.getExecuting(), s.getCompleted(), List.copyOf(daemons),
        List.copyOf(departed));
  }

  @Override
  public void close() {
    uploads.shutdownNow();
    try {
      out.complete();
    } catch (RuntimeException e) {
      // already closed
    }
    Channels.shutdown(channel);
    lost("the client closed its connection");
    try {
      uploads.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    uploadAllocator.close();
  }
}
