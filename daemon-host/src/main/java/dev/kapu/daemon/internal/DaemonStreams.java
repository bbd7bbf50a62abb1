package dev.kapu.daemon.internal;

import dev.kapu.flight.ClientCancellation;
import dev.kapu.flight.CountingStreamListener;
import dev.kapu.flight.status.FinishedResult;
import dev.kapu.flight.status.StatusCodes;
import dev.kapu.flight.Dictionaries;
import dev.kapu.flight.Hosts;
import dev.kapu.flight.Outbound;
import dev.kapu.flight.StreamChannels;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallInfo;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.CancelFlightInfoRequest;
import org.apache.arrow.flight.CancelFlightInfoResult;
import org.apache.arrow.flight.CancelStatus;
import org.apache.arrow.flight.CloseSessionResult;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightConstants;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightMethod;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightServerMiddleware;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.GetSessionOptionsResult;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.RequestContext;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SetSessionOptionsResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's own Flight endpoint. A task parks a result stream here under a one-time ticket;
 * the client fetches it with {@code DoGet} straight from this daemon, batch by batch, without the
 * dispatcher in the way. Tickets not fetched within the expiry are closed. Its tables, uploads and
 * columnar functions are {@link DaemonCalls}.
 *
 * <p><b>Who may call.</b> A ticket is a capability, like a presigned URL: random (122 bits), good
 * for one {@code DoGet}, dropped unless fetched within the expiry, and handed out only by Kapu (to
 * the session that ran the task, or by the Flight SQL server to a client it authenticated, as the
 * location of a {@code FlightInfo} endpoint). Daemons know no user's password, so {@code DoGet} of
 * a ticket needs no credentials of its own; Flight SQL clients that bring them anyway are humoured:
 * a Handshake with any credentials answers with a bearer token (which grants nothing more), and
 * session-option and CloseSession actions are accepted and ignored (the server applied the
 * session's options when it ran the statement). Every other call, and any call that presents a
 * wrong Kapu token, needs the session's Kapu token ({@value #TOKEN_HEADER} header): cancelling a
 * result ({@code CancelFlightInfo} naming its ticket) among them.
 */
public final class DaemonStreams implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DaemonStreams.class);
  public static final String TOKEN_HEADER = "kapu-token";
  private static final FlightServerMiddleware.Key<Access> ACCESS = FlightServerMiddleware.Key.of("kapu-access");
  /** What a caller without the Kapu token may do. */
  private static final Set<FlightMethod> TICKET_HOLDER_CALLS =
      EnumSet.of(FlightMethod.HANDSHAKE, FlightMethod.DO_GET, FlightMethod.DO_ACTION);

  private static final String CANCELLED = "its query was cancelled";

  private final Map<String, PendingResult> parked = new ConcurrentHashMap<>();
  /** Tickets being streamed, with a flag a cancel raises; the stream ends at its next batch. */
  private final Map<String, Streaming> streaming = new ConcurrentHashMap<>();
  /** Why a ticket no longer fetches anything (fetched, expired, cancelled), for one more expiry. */
  private final Map<String, String> gone = new ConcurrentHashMap<>();
  /**
   * Held while a fetch moves a result from {@link #parked} to {@link #streaming} and while a cancel
   * looks in both, so that a cancel never falls between the two and finds nothing to stop.
   */
  private final Object handover = new Object();
  private final FlightServer server;
  private final String url;
  private final ScheduledExecutorService timer;
  private final long expiryMillis;
  private final DaemonCalls calls;
  /** Runs the endpoint's calls: bulk ingest and table queries run DuckDB on them. */
  private final ExecutorService callRunners = Executors.newCachedThreadPool(new DatabaseThreads("kapu-daemon-call"));
  private final BufferAllocator allocator;

  /**
   * @param bindHost the address to listen on
   * @param advertisedHost the host {@link #url()} names, for clients to dial
   */
  public DaemonStreams(BufferAllocator allocator, String bindHost, String advertisedHost, String token,
      ScheduledExecutorService timer, long expiryMillis, DaemonCalls calls) throws java.io.IOException {
    this.timer = timer;
    this.expiryMillis = expiryMillis;
    this.calls = calls;
    this.allocator = allocator;
    this.server = FlightServer.builder(allocator, Location.forGrpcInsecure(bindHost, 0), new Producer())
        .middleware(ACCESS, new AccessFactory(token))
        .transportHint("grpc.builderConsumer", (Consumer<NettyServerBuilder>) DaemonStreams::transport)
        .executor(callRunners)
        .build()
        .start();
    this.url = "grpc://" + Hosts.forUri(advertisedHost) + ":" + server.getPort();
  }

  /**
   * Streams are written without a copy ({@link StreamChannels}). Clients fetching results ping a
   * silent connection (gRPC keepalive, every 10 s at most), which gRPC's default would answer by
   * ending the call; and a client that stops answering is dropped, which ends its stream here and
   * closes the result it was reading.
   */
  private static void transport(NettyServerBuilder server) {
    StreamChannels.server(server).permitKeepAliveTime(5, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .keepAliveTime(10, TimeUnit.SECONDS)
        .keepAliveTimeout(20, TimeUnit.SECONDS);
  }

  /** Where clients fetch parked streams. */
  public String url() {
    return url;
  }

  /** Parks {@code reader}; the returned ticket fetches it once. */
  public byte[] park(ArrowReader reader) {
    return park(PendingResult.ready(reader));
  }

  /**
   * Parks a result that may still be opening: its {@code DoGet} waits for it, and a cancel stops
   * the database's work at once. The returned ticket fetches it once.
   */
  public byte[] park(PendingResult result) {
    String id = UUID.randomUUID().toString();
    parked.put(id, result);
    timer.schedule(() -> {
      PendingResult unclaimed = parked.remove(id);
      if (unclaimed != null) {
        log.warn("closing a result stream nobody fetched within {} ms", expiryMillis);
        unclaimed.discard();
        ended(id, 0, 0, "CANCELLED", "nobody fetched it within " + expiryMillis / 1000 + " s");
        bury(id, "it expired: nobody fetched it within " + expiryMillis / 1000 + " s");
      }
    }, expiryMillis, TimeUnit.MILLISECONDS);
    return id.getBytes(StandardCharsets.UTF_8);
  }

  /** Results that ended since the daemon's last report, oldest first; the oldest go past {@value #MAX_FINISHED}. */
  private final ArrayDeque<Ended> finished = new ArrayDeque<>();
  private static final int MAX_FINISHED = 10_000;

  private record Ended(String ticket, long rows, long bytes, String status, String message, long atNanos) {}

  private void ended(String ticket, long rows, long bytes, String status, String message) {
    synchronized (finished) {
      if (finished.size() >= MAX_FINISHED) {
        finished.pollFirst();
      }
      finished.addLast(new Ended(ticket, rows, bytes, status, message, System.nanoTime()));
    }
  }

  private static String codeOf(Throwable failure) {
    return failure instanceof FlightRuntimeException f ? StatusCodes.grpcName(f.status().code()) : "INTERNAL";
  }

  /** The results that ended since the last call, for the daemon's report: each once. */
  public List<FinishedResult> drainFinished() {
    long now = System.nanoTime();
    List<FinishedResult> out = new ArrayList<>();
    synchronized (finished) {
      for (Ended e : finished) {
        out.add(new FinishedResult(e.ticket(), e.rows(), e.bytes(), e.status(), e.message(),
            TimeUnit.NANOSECONDS.toMillis(now - e.atNanos())));
      }
      finished.clear();
    }
    return out;
  }

  /** The tickets of the results being opened, waiting or streaming here, for the daemon's report. */
  public List<String> heldTickets() {
    List<String> held = new ArrayList<>(parked.keySet());
    held.addAll(streaming.keySet());
    return held;
  }

  /** Whether a result is being opened, waits or streams here: work that is no task's. */
  public boolean busy() {
    return !parked.isEmpty() || !streaming.isEmpty();
  }

  /** Remembers why {@code id} fetches nothing any more, for one expiry period. */
  private void bury(String id, String why) {
    gone.put(id, why);
    try {
      timer.schedule(() -> gone.remove(id), expiryMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the daemon is closing: nobody will ask
    }
  }

  /**
   * Stops the result behind {@code id}: one not fetched yet is stopped (its query, if it still
   * opens) and closed at once; a fetched one stops its database work and ends with CANCELLED.
   */
  private CancelStatus cancel(String id) {
    PendingResult waiting;
    Streaming stream;
    synchronized (handover) {
      waiting = parked.remove(id);
      stream = waiting == null ? streaming.get(id) : null;
    }
    if (waiting != null) {
      waiting.discard();
      ended(id, 0, 0, "CANCELLED", null);
      bury(id, CANCELLED);
      return CancelStatus.CANCELLED;
    }
    if (stream != null) {
      stream.cancel();
      return CancelStatus.CANCELLING;
    }
    String why = gone.get(id);
    return why != null && why.startsWith(CANCELLED) ? CancelStatus.CANCELLED : CancelStatus.NOT_CANCELLABLE;
  }

  /** A result being fetched; {@link #cancel} (from CancelFlightInfo or the client's going away) stops it. */
  private static final class Streaming {
    final PendingResult result;
    volatile boolean cancelled;

    Streaming(PendingResult result) {
      this.result = result;
    }

    void cancel() {
      cancelled = true;
      result.stop();
    }
  }

  private final class Producer extends NoOpFlightProducer {
    @Override
    public void listFlights(CallContext context, Criteria criteria, StreamListener<FlightInfo> listener) {
      calls.listFlights(criteria, listener);
    }

    @Override
    public Runnable acceptPut(CallContext context, FlightStream stream, StreamListener<PutResult> ack) {
      return calls.acceptPut(stream, ack);
    }

    @Override
    public void doExchange(CallContext context, FlightStream reader, ServerStreamListener writer) {
      calls.doExchange(reader, writer);
    }

    @Override
    public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
      String id = new String(ticket.getBytes(), StandardCharsets.UTF_8);
      PendingResult result;
      Streaming stream = null;
      synchronized (handover) {
        result = parked.remove(id);
        if (result != null) {
          stream = new Streaming(result);
          streaming.put(id, stream);
        }
      }
      if (result == null) {
        String why = gone.get(id);
        CallStatus status = why == null
            ? CallStatus.NOT_FOUND.withDescription("no result stream for this ticket on this daemon (never issued"
                + " here, or so long ago that it is forgotten)")
            : why.startsWith(CANCELLED)
                ? CallStatus.CANCELLED.withDescription("this ticket fetches nothing: " + why)
                : CallStatus.NOT_FOUND.withDescription("this ticket fetches nothing: " + why);
        listener.error(status.toRuntimeException());
        return;
      }
      // the client dropping its DoGet (the JDBC driver's Statement.cancel(), a query timeout) stops the work
      CountingStreamListener counted = new CountingStreamListener(listener, (rows, bytes) -> {});
      try (ClientCancellation watch = ClientCancellation.watch(stream::cancel, timer)) {
        send(result, stream, counted);
      } finally {
        Throwable failure = counted.failure();
        ended(id, counted.rows(), counted.bytes(), counted.succeeded() ? "OK"
            : stream.cancelled || failure == null ? "CANCELLED" : codeOf(failure),
            failure == null ? null : failure.getMessage());
        streaming.remove(id);
        bury(id, stream.cancelled ? CANCELLED + " while it streamed"
            : "it was fetched already (a ticket is good for one DoGet)");
      }
    }

    /**
     * Streams a result once it has opened; a cancel ends it with CANCELLED. With an announced
     * schema (and no dictionaries, which go out with the first batch), the stream starts at once:
     * the JDBC driver waits for a stream's schema before it can cancel it or time it out.
     */
    private void send(PendingResult result, Streaming stream, ServerStreamListener listener) {
      Schema announced = result.announced();
      if (announced == null || Dictionaries.used(announced)) {
        ArrowReader reader = await(result, listener);
        if (reader != null) {
          stream(reader, stream, listener, null);
        }
        return;
      }
      try (VectorSchemaRoot started = VectorSchemaRoot.create(announced, allocator)) {
        listener.start(started);
        ArrowReader reader = await(result, listener);
        if (reader != null) {
          stream(reader, stream, listener, started);
        }
      }
    }

    /** The opened result; null once the listener has the failure. */
    private ArrowReader await(PendingResult result, ServerStreamListener listener) {
      try {
        return result.await();
      } catch (FlightRuntimeException e) {
        listener.error(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        result.discard();
        listener.error(CallStatus.CANCELLED.withDescription("the daemon is closing").toRuntimeException());
      }
      return null;
    }

    /** Sends {@code reader}'s batches, on a listener started with {@code started} if not null. */
    private void stream(ArrowReader reader, Streaming stream, ServerStreamListener listener, VectorSchemaRoot started) {
      try (ArrowReader ahead = ReadAheadReader.start(reader, 2)) { // DuckDB exports while we send
        listener.setUseZeroCopy(true); // safe: each batch of a ReadAheadReader has buffers of its own
        // a slow client holds the daemon back
        boolean sent = started == null
            ? Outbound.sendBatches(ahead, listener, () -> stream.cancelled)
            : Outbound.sendInto(started, ahead, listener, () -> stream.cancelled);
        if (sent) {
          listener.completed();
        } else if (stream.cancelled) {
          listener.error(CallStatus.CANCELLED.withDescription(CANCELLED + " while it streamed").toRuntimeException());
        }
      } catch (Exception e) {
        listener.error(stream.cancelled
            ? CallStatus.CANCELLED.withDescription(CANCELLED + " while it streamed").toRuntimeException()
            // a statement can fail as its result streams (DuckDB computes as it is read): its error says whose fault
            : DatabaseErrors.status("the result stream failed: ", e));
      }
    }

    @Override
    public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
      try {
        String type = action.getType();
        if (type.equals(FlightConstants.SET_SESSION_OPTIONS.getType())) {
          listener.onNext(result(new SetSessionOptionsResult(Map.of()).serialize()));
        } else if (type.equals(FlightConstants.GET_SESSION_OPTIONS.getType())) {
          listener.onNext(result(new GetSessionOptionsResult(Map.of()).serialize()));
        } else if (type.equals(FlightConstants.CLOSE_SESSION.getType())) {
          listener.onNext(result(new CloseSessionResult(CloseSessionResult.Status.CLOSED).serialize()));
        } else {
          context.getMiddleware(ACCESS).requireKapu("action " + type);
          if (!type.equals(FlightConstants.CANCEL_FLIGHT_INFO.getType())) {
            throw CallStatus.UNIMPLEMENTED.withDescription("no action " + type + " on a daemon's endpoint")
                .toRuntimeException();
          }
          listener.onNext(result(new CancelFlightInfoResult(cancel(action.getBody())).serialize()));
        }
        listener.onCompleted();
      } catch (FlightRuntimeException e) {
        listener.onError(e);
      }
    }

    /** The one ticket a CancelFlightInfo request names (Kapu's own callers send exactly one). */
    private CancelStatus cancel(byte[] body) {
      CancelFlightInfoRequest request;
      try {
        request = CancelFlightInfoRequest.deserialize(ByteBuffer.wrap(body));
      } catch (IOException | java.net.URISyntaxException e) {
        throw CallStatus.INVALID_ARGUMENT.withDescription("malformed CancelFlightInfo request: " + e.getMessage())
            .toRuntimeException();
      }
      CancelStatus status = CancelStatus.NOT_CANCELLABLE;
      for (FlightEndpoint endpoint : request.getInfo().getEndpoints()) {
        status = DaemonStreams.this.cancel(new String(endpoint.getTicket().getBytes(), StandardCharsets.UTF_8));
      }
      return status;
    }
  }

  private static Result result(ByteBuffer serialized) {
    byte[] bytes = new byte[serialized.remaining()];
    serialized.get(bytes);
    return new Result(bytes);
  }

  /** A call's standing: from the Kapu session (its token), or from whoever holds a ticket. */
  private static final class Access implements FlightServerMiddleware {
    private final boolean kapu;
    private final String bearer;

    Access(boolean kapu, String bearer) {
      this.kapu = kapu;
      this.bearer = bearer;
    }

    void requireKapu(String what) {
      if (!kapu) {
        throw CallStatus.UNAUTHENTICATED.withDescription(what + " needs the Kapu token; without it this endpoint"
            + " only serves DoGet of a ticket Kapu handed out").toRuntimeException();
      }
    }

    @Override
    public void onBeforeSendingHeaders(CallHeaders outgoing) {
      if (bearer != null) {
        outgoing.insert("authorization", "Bearer " + bearer);
      }
    }

    @Override
    public void onCallCompleted(CallStatus status) {}

    @Override
    public void onCallErrored(Throwable err) {}
  }

  /**
   * Checks the Kapu token where one is presented and lets ticket holders through to the calls
   * they may make; Flight SQL drivers that Handshake with a user and password get a bearer back,
   * as they insist on one, though it stands for no more than no credentials.
   */
  private static final class AccessFactory implements FlightServerMiddleware.Factory<Access> {
    private final byte[] token;
    private final String bearer = UUID.randomUUID().toString();

    AccessFactory(String token) {
      this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Access onCallStarted(CallInfo info, CallHeaders headers, RequestContext context) {
      String presented = headers.get(TOKEN_HEADER);
      if (presented != null) {
        if (!MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
          throw CallStatus.UNAUTHENTICATED.withDescription("the Kapu token was refused").toRuntimeException();
        }
        return new Access(true, null);
      }
      if (!TICKET_HOLDER_CALLS.contains(info.method())) {
        throw CallStatus.UNAUTHENTICATED.withDescription(info.method() + " needs the Kapu token; without it this"
            + " endpoint only serves DoGet of a ticket Kapu handed out").toRuntimeException();
      }
      String authorization = headers.get("authorization");
      boolean basic = authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6);
      return new Access(false, info.method() == FlightMethod.HANDSHAKE && basic ? bearer : null);
    }
  }

  @Override
  public void close() throws InterruptedException {
    parked.values().forEach(PendingResult::discard);
    parked.clear();
    server.shutdown();
    if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
      server.close();
    }
    callRunners.shutdown();
  }
}
