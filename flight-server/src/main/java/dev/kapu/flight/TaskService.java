package dev.kapu.flight;

import dev.kapu.flight.internal.wire.DaemonState;
import dev.kapu.flight.internal.wire.Departure;
import dev.kapu.flight.internal.wire.FromClient;
import dev.kapu.flight.internal.wire.FromWorker;
import dev.kapu.flight.internal.wire.Outcome;
import dev.kapu.flight.internal.wire.StatusReply;
import dev.kapu.flight.internal.wire.TaskDone;
import dev.kapu.flight.internal.wire.ToClient;
import dev.kapu.flight.internal.wire.ToWorker;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.arrow.flight.impl.Flight.FlightData;
import org.apache.arrow.flight.impl.FlightServiceGrpc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Flight service with one difference: a DoExchange stream that carries a Kapu role header is
 * a task stream (a daemon's or a client's), authenticated by token and served by the dispatcher;
 * every other call goes to the Flight producer unchanged.
 */
final class TaskService {
  private static final Logger log = LoggerFactory.getLogger(TaskService.class);

  private static final MethodDescriptor.Marshaller<FlightData> FLIGHT_DATA =
      ProtoUtils.marshaller(FlightData.getDefaultInstance());

  private final Dispatcher dispatcher;
  private final String token;

  public TaskService(Dispatcher dispatcher, String token) {
    this.dispatcher = dispatcher;
    this.token = token;
  }

  /**
   * Flight's service definition with calls that carry a Kapu role header taken by Kapu: DoExchange
   * (task streams) here, DoGet and DoPut by {@code parked} (streams tasks take with them), DoAction
   * by {@code code} (shipped code).
   */
  @SuppressWarnings("unchecked")
  public ServerServiceDefinition bind(ServerServiceDefinition flight, ServerServiceDefinition parked,
      ServerServiceDefinition code) {
    ServerServiceDefinition asStreams = ServerInterceptors.useInputStreamMessages(flight);
    ServerServiceDefinition parkedStreams = ServerInterceptors.useInputStreamMessages(parked);
    ServerServiceDefinition codeCalls = ServerInterceptors.useInputStreamMessages(code);
    String action = FlightServiceGrpc.getDoActionMethod().getFullMethodName();
    String exchange = FlightServiceGrpc.getDoExchangeMethod().getFullMethodName();
    Set<String> parkedCalls = Set.of(FlightServiceGrpc.getDoGetMethod().getFullMethodName(),
        FlightServiceGrpc.getDoPutMethod().getFullMethodName());
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(asStreams.getServiceDescriptor());
    for (ServerMethodDefinition<?, ?> method : asStreams.getMethods()) {
      String name = method.getMethodDescriptor().getFullMethodName();
      var flightMethod = (ServerMethodDefinition<InputStream, InputStream>) method;
      if (name.equals(exchange)) {
        ServerCallHandler<InputStream, InputStream> workers =
            ServerCalls.asyncBidiStreamingCall(out -> new WorkerStream((ServerCallStreamObserver<InputStream>) out));
        ServerCallHandler<InputStream, InputStream> clients = (call, headers) -> {
          String shipped = headers.get(Wire.CODE);
          SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
          String submitter = "client " + (remote == null ? "(address unknown)" : PeerAddresses.describe(remote));
          return ServerCalls.<InputStream, InputStream>asyncBidiStreamingCall(
              out -> new ClientStream((ServerCallStreamObserver<InputStream>) out, shipped, submitter))
              .startCall(call, headers);
        };
        builder.addMethod(flightMethod.getMethodDescriptor(), kapuOrFlight(flightMethod, (call, headers) -> {
          String role = headers.get(Wire.ROLE);
          return switch (role) {
            case Wire.WORKER -> workers.startCall(call, headers);
            case Wire.CLIENT -> clients.startCall(call, headers);
            default -> {
              call.close(Status.INVALID_ARGUMENT.withDescription("unknown kapu-role '" + role + "'"), new Metadata());
              yield new ServerCall.Listener<>() {};
            }
          };
        }));
      } else if (name.equals(action)) {
        var kapu = (ServerMethodDefinition<InputStream, InputStream>) codeCalls.getMethod(name);
        builder.addMethod(flightMethod.getMethodDescriptor(), kapuOrFlight(flightMethod, kapu.getServerCallHandler()));
      } else if (parkedCalls.contains(name)) {
        var kapu = (ServerMethodDefinition<InputStream, InputStream>) parkedStreams.getMethod(name);
        builder.addMethod(flightMethod.getMethodDescriptor(), kapuOrFlight(flightMethod, kapu.getServerCallHandler()));
      } else {
        builder.addMethod(method);
      }
    }
    return builder.build();
  }

  /** Calls with a Kapu role header go to {@code kapu} once their token checks out; others to Flight. */
  private ServerCallHandler<InputStream, InputStream> kapuOrFlight(
      ServerMethodDefinition<InputStream, InputStream> flight, ServerCallHandler<InputStream, InputStream> kapu) {
    return new ServerCallHandler<>() {
      @Override
      public ServerCall.Listener<InputStream> startCall(ServerCall<InputStream, InputStream> call, Metadata headers) {
        if (headers.get(Wire.ROLE) == null) {
          return flight.getServerCallHandler().startCall(call, headers);
        }
        if (!Wire.tokenMatches(token, headers.get(Wire.TOKEN))) {
          call.close(Status.UNAUTHENTICATED.withDescription("the Kapu token was refused"), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return kapu.startCall(call, headers);
      }
    };
  }

  /**
   * Whether a call should run its callbacks straight on the network thread: task streams and
   * parked streams do; shipped code calls, which read, write and hash files, do not.
   */
  public static boolean isTaskStream(String method, Metadata headers) {
    return headers.containsKey(Wire.ROLE) && !method.equals(FlightServiceGrpc.getDoActionMethod().getFullMethodName());
  }

  private static FlightData parse(InputStream in) {
    try (in) {
      return FLIGHT_DATA.parse(in);
    } catch (IOException e) {
      throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException();
    }
  }

  /** A task stream: parses each frame and turns a protocol error into the stream's error. */
  private abstract static class FrameStream implements StreamObserver<InputStream> {
    final ServerCallStreamObserver<InputStream> out;

    FrameStream(ServerCallStreamObserver<InputStream> out) {
      this.out = out;
    }

    abstract void onFrame(FlightData data);

    @Override
    public final void onNext(InputStream value) {
      try {
        onFrame(parse(value));
      } catch (StatusRuntimeException e) {
        log.warn("closing a task stream: {}", e.getStatus());
        out.onError(e);
      }
    }
  }

  private final class WorkerStream extends FrameStream {
    private Worker worker;
    /** The dispatcher (declaring the daemon lost, or closing) and the daemon may both end the stream. */
    private final AtomicBoolean ended = new AtomicBoolean();

    WorkerStream(ServerCallStreamObserver<InputStream> out) {
      super(out);
      out.setOnCancelHandler(() -> {
        if (worker != null) {
          dispatcher.left(worker, "its connection was cancelled");
        }
      });
    }

    private void send(ToWorker message) {
      out.onNext(FLIGHT_DATA.stream(Wire.frame(message)));
    }

    @Override
    void onFrame(FlightData data) {
      FromWorker message = Wire.unframe(data, FromWorker.parser());
      if (message.getKindCase() != FromWorker.KindCase.BATCH) {
        receive(message);
        return;
      }
      // In order; outcomes that came together are taken together, and their freed slots filled at once.
      List<TaskDone> outcomes = new ArrayList<>();
      for (FromWorker each : message.getBatch().getMessagesList()) {
        if (each.getKindCase() == FromWorker.KindCase.DONE) {
          outcomes.add(each.getDone());
          continue;
        }
        if (!outcomes.isEmpty()) {
          dispatcher.done(requireWorker(), outcomes);
          outcomes = new ArrayList<>();
        }
        receive(each);
      }
      if (!outcomes.isEmpty()) {
        dispatcher.done(requireWorker(), outcomes);
      }
    }

    private void receive(FromWorker message) {
      switch (message.getKindCase()) {
        case HELLO -> {
          if (worker != null) {
            throw Status.FAILED_PRECONDITION.withDescription("hello sent twice").asRuntimeException();
          }
          worker = dispatcher.join(message.getHello(), this::send, this::end);
        }
        case HEARTBEAT -> {
          var heartbeat = message.getHeartbeat();
          dispatcher.heard(requireWorker(), ProcessUsage.fromWire(heartbeat.hasUsage(), heartbeat.getUsage()),
              heartbeat.hasReport() ? DaemonReport.fromWire(heartbeat.getReport()) : null);
        }
        case DONE -> dispatcher.done(requireWorker(), List.of(message.getDone()));
        case RETURNED -> dispatcher.returned(requireWorker(), message.getReturned().getTaskId());
        case DRAINING -> dispatcher.draining(requireWorker(), message.getDraining().getReason());
        case HOSTING -> dispatcher.hosting(requireWorker(), message.getHosting().getResourcesList());
        case RUNAWAYS -> dispatcher.runaways(requireWorker(), message.getRunaways().getThreads());
        default -> throw Status.INVALID_ARGUMENT.withDescription("unknown daemon message").asRuntimeException();
      }
    }

    private Worker requireWorker() {
      if (worker == null) {
        throw Status.FAILED_PRECONDITION.withDescription("a daemon must say hello first").asRuntimeException();
      }
      return worker;
    }

    @Override
    public void onError(Throwable t) {
      if (worker != null) {
        dispatcher.left(worker, "its connection failed (" + Status.fromThrowable(t).getCode() + ": "
            + Status.fromThrowable(t).getDescription() + ")");
      }
    }

    @Override
    public void onCompleted() {
      if (worker != null) {
        dispatcher.left(worker, "it closed its connection");
      }
      end();
    }

    private void end() {
      if (ended.compareAndSet(false, true)) {
        try {
          out.onCompleted();
        } catch (RuntimeException e) {
          // the call was cancelled or closed meanwhile: nothing left to end
        }
      }
    }
  }

  private final class ClientStream extends FrameStream {
    private final Map<Long, TaskHandle> open = new HashMap<>();
    /** The code this client's session shipped; null if it shipped none. */
    private final String code;
    /** Who its tasks are from, as the status shows them. */
    private final String submitter;
    private boolean closed;

    ClientStream(ServerCallStreamObserver<InputStream> out, String code, String submitter) {
      super(out);
      this.code = code;
      this.submitter = submitter;
      out.setOnCancelHandler(this::abandon);
    }

    private void send(ToClient message) {
      synchronized (this) {
        if (!closed) {
          out.onNext(FLIGHT_DATA.stream(Wire.frame(message)));
        }
      }
    }

    @Override
    void onFrame(FlightData data) {
      FromClient message = Wire.unframe(data, FromClient.parser());
      switch (message.getKindCase()) {
        case SUBMIT -> {
          var submit = message.getSubmit();
          long id = submit.getTaskId();
          TaskRequest request = new TaskRequest(
              submit.getPayload().toByteArray(), submit.getTimeoutMillis(), submit.getMaxRetries(),
              submit.getResourcesList(), submit.getParkedList(), Math.max(1, submit.getCalls()), submitter,
              submit.getNonBlocking());
          TaskHandle handle;
          synchronized (this) {
            if (open.containsKey(id)) {
              throw Status.INVALID_ARGUMENT.withDescription("task id " + id + " reused").asRuntimeException();
            }
            open.put(id, null);
          }
          dev.kapu.flight.OutcomeListener listener = (outcome, last) -> {
            if (last) {
              synchronized (this) {
                open.remove(id);
              }
            }
            send(ToClient.newBuilder().setOutcome(toWire(id, outcome, last)).build());
          };
          handle = submit.getEverywhere()
              ? dispatcher.everywhere(request, listener)
              : dispatcher.submit(request, listener);
          synchronized (this) {
            open.replace(id, null, handle);
          }
        }
        case CANCEL -> {
          TaskHandle handle;
          synchronized (this) {
            handle = open.get(message.getCancel().getTaskId());
          }
          if (handle != null) {
            handle.cancel();
          }
        }
        case STATUS -> {
          long requestId = message.getStatus().getRequestId();
          StatusReply reply = message.getStatus().getSlotsOnly()
              ? StatusReply.newBuilder().setRequestId(requestId).setSlots(dispatcher.slots().join()).build()
              : toWire(requestId, dispatcher.status().join());
          send(ToClient.newBuilder().setStatus(reply).build());
        }
        default -> throw Status.INVALID_ARGUMENT.withDescription("unknown client message").asRuntimeException();
      }
    }

    /** The client went away: nobody will read the results of its tasks, and its code can go. */
    private void abandon() {
      Map<Long, TaskHandle> left;
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        left = new HashMap<>(open);
        open.clear();
      }
      left.values().stream().filter(h -> h != null).forEach(TaskHandle::cancel);
      if (!left.isEmpty()) {
        log.info("a client left with {} open task(s); cancelled them", left.size());
      }
      if (code != null && CodeHashes.isHash(code)) {
        dispatcher.releaseCode(code);
      }
    }

    @Override
    public void onError(Throwable t) {
      abandon();
    }

    @Override
    public void onCompleted() {
      abandon();
      out.onCompleted();
    }
  }

  static Outcome toWire(long id, TaskOutcome outcome, boolean last) {
    return Outcome.newBuilder()
        .setTaskId(id)
        .setKind(Wire.toWire(outcome.kind()))
        .setPayload(com.google.protobuf.ByteString.copyFrom(outcome.payload()))
        .setMessage(outcome.message() == null ? "" : outcome.message())
        .setDaemonId(outcome.daemonId() == null ? "" : outcome.daemonId())
        .setLast(last)
        .build();
  }

  static StatusReply toWire(long requestId, ClusterStatus status) {
    StatusReply.Builder reply = StatusReply.newBuilder()
        .setRequestId(requestId)
        .setAwaiting(status.awaiting())
        .setExecuting(status.executing())
        .setCompleted(status.completed());
    for (ClusterStatus.Daemon d : status.daemons()) {
      DaemonState.Builder daemon = DaemonState.newBuilder()
          .setDaemonId(d.id()).setHost(d.host()).setPid(d.pid()).setSlots(d.slots())
          .setExecuting(d.executing()).setCompleted(d.completed()).setFailed(d.failed())
          .setConnectedAtMillis(d.connectedAtMillis()).setDraining(d.draining())
          .addAllResources(d.resources()).setFlightUrl(d.flightUrl()).setRunawayThreads(d.runawayThreads());
      d.usage().ifPresent(u -> daemon.setUsage(u.toWire()));
      reply.addDaemons(daemon);
    }
    for (ClusterStatus.Departure d : status.departed()) {
      reply.addDeparted(Departure.newBuilder().setDaemonId(d.id()).setClean(d.clean())
          .setReason(d.reason()).setAtMillis(d.atMillis()));
    }
    return reply.build();
  }
}
