package dev.kapu.flight;

import com.google.protobuf.ByteString;
import dev.kapu.api.Endpoint;
import dev.kapu.flight.internal.wire.Draining;
import dev.kapu.flight.internal.wire.FromWorker;
import dev.kapu.flight.internal.wire.FromWorkerBatch;
import dev.kapu.flight.internal.wire.Heartbeat;
import dev.kapu.flight.internal.wire.Hosting;
import dev.kapu.flight.internal.wire.Runaways;
import dev.kapu.flight.internal.wire.TaskDone;
import dev.kapu.flight.internal.wire.TaskReturned;
import dev.kapu.flight.internal.wire.ToWorker;
import dev.kapu.flight.internal.wire.Welcome;
import dev.kapu.flight.internal.wire.WorkerHello;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.impl.Flight.FlightData;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * A daemon's stream to its dispatcher: tasks come in, outcomes go out. Once the dispatcher
 * welcomes the daemon, both send heartbeats: this side's from the daemon's timer, and a dispatcher
 * not heard from for the {@link Liveness} bound (less one heartbeat interval) is given up: the
 * stream is cancelled and {@link Handler#onDisconnected} says why. So is one that tells the daemon
 * to leave.
 */
public final class WorkerConnection implements AutoCloseable {
  /**
   * gRPC keepalive under the heartbeats, for a dispatcher that never welcomes the daemon: looser
   * than any bound the daemon is likely to be welcomed with, so that the heartbeats decide.
   */
  private static final Duration KEEPALIVE_TIME = Duration.ofSeconds(10);
  private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(20);

  /**
   * A task (or everywhere() setup) sent to this daemon.
   *
   * @param nonBlocking its client declared that it never blocks ({@code TaskOptions.neverBlocks()})
   */
  public record Assignment(long taskId, byte[] payload, long timeoutMillis, boolean setup, boolean nonBlocking) {}

  /** What the daemon does with what the dispatcher sends; called on a network thread: do not block. */
  public interface Handler {
    void onAssignment(Assignment assignment);

    void onCancel(long taskId);

    /** The dispatcher acknowledged the drain: no more tasks will come. */
    void onDrainAccepted();

    /** The stream ended; {@code cause} is null if the dispatcher closed it cleanly. */
    void onDisconnected(Throwable cause);

    /** The session that shipped code {@code codeId} ended. */
    default void onCodeReleased(String codeId) {}

    /** What the daemon holds and is bound by, sent with each heartbeat; null to send none. */
    default DaemonReport report() {
      return null;
    }
  }

  /** Who this daemon is, what it hosts, and where it serves its own Flight streams (may be empty). */
  public record Identity(String daemonId, String host, long pid, int slots, List<String> resources,
      String flightUrl) {}

  private final ManagedChannel channel;
  private final StreamObserver<FlightData> out;
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final Identity identity;
  private final Endpoint endpoint;
  private final Handler handler;
  private final ScheduledExecutorService timer;
  /** What this daemon's threads send, written by one of them at a time. */
  private final Coalescer<FromWorker> pending = new Coalescer<>();
  /** When the dispatcher's last heartbeat (or its welcome) arrived, in {@link System#nanoTime()}. */
  private volatile long lastHeard;

  private WorkerConnection(Endpoint endpoint, Identity identity, Handler handler, ScheduledExecutorService timer) {
    this.endpoint = endpoint;
    this.handler = handler;
    this.timer = timer;
    this.channel = Channels.open(endpoint, KEEPALIVE_TIME, KEEPALIVE_TIMEOUT);
    this.out = Channels.stub(channel, endpoint, Wire.WORKER).doExchange(new StreamObserver<>() {
      @Override
      public void onNext(FlightData data) {
        ToWorker message = Wire.unframe(data, ToWorker.parser());
        if (message.getKindCase() == ToWorker.KindCase.BATCH) {
          message.getBatch().getMessagesList().forEach(WorkerConnection.this::receive);
        } else {
          receive(message);
        }
      }

      @Override
      public void onError(Throwable t) {
        disconnected(t);
      }

      @Override
      public void onCompleted() {
        disconnected(null);
      }
    });
    this.identity = identity;
  }

  private void receive(ToWorker message) {
    switch (message.getKindCase()) {
      case ASSIGN -> {
        var a = message.getAssign();
        handler.onAssignment(new Assignment(
            a.getTaskId(), a.getPayload().toByteArray(), a.getTimeoutMillis(), a.getSetup(), a.getNonBlocking()));
      }
      case CANCEL -> handler.onCancel(message.getCancel().getTaskId());
      case DRAIN_ACCEPTED -> handler.onDrainAccepted();
      case WELCOME -> welcomed(message.getWelcome());
      case HEARTBEAT -> lastHeard = System.nanoTime();
      case RELEASE_CODE -> handler.onCodeReleased(message.getReleaseCode().getCodeId());
      case LEAVE -> abandon(Status.UNAVAILABLE.withDescription("the dispatcher declared this daemon lost: "
          + message.getLeave().getReason()));
      default -> { } // a newer dispatcher's message (or a nested batch, which none sends): nothing to do with it
    }
  }

  /**
   * Dials the dispatcher; nothing is sent until {@link #start()}, so the caller can finish
   * setting up before the first task arrives. Failures (a refused token) arrive at {@link
   * Handler#onDisconnected}.
   *
   * @param timer the daemon's timer, which also stops timed-out tasks: heartbeats go out from it,
   *     so they stop when the daemon's scheduling does
   */
  public static WorkerConnection open(Endpoint endpoint, Identity identity, Handler handler,
      ScheduledExecutorService timer) {
    return new WorkerConnection(endpoint, identity, handler, timer);
  }

  /** The handler hears of the end once, however it came. */
  private void disconnected(Throwable cause) {
    if (closed.complete(null)) {
      handler.onDisconnected(cause);
    }
  }

  /**
   * Starts the heartbeats, and a watch that gives the dispatcher up after the liveness bound less
   * one heartbeat interval of silence: on a partition the daemon then stops its tasks about when,
   * or before, the dispatcher declares it lost and hands them to another daemon.
   */
  private void welcomed(Welcome welcome) {
    lastHeard = System.nanoTime();
    long every = Math.max(1, welcome.getHeartbeatMillis());
    long patience = TimeUnit.MILLISECONDS.toNanos(Math.max(every, welcome.getLivenessMillis() - every));
    try {
      timer.scheduleAtFixedRate(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return; // the daemon is leaving already
    }
    watchAfter(patience, patience, welcome.getLivenessMillis());
  }

  /** Proof of life, with this process's usage: the controller's summary shows it for workers on any host. */
  private void heartbeat() {
    Heartbeat.Builder heartbeat = Heartbeat.newBuilder().setUsage(ProcessUsage.current().toWire());
    try {
      DaemonReport report = handler.report();
      if (report != null) {
        heartbeat.setReport(report.toWire());
      }
    } catch (RuntimeException e) {
      // a report is a courtesy: the heartbeat, proof of life, goes without it
    }
    send(FromWorker.newBuilder().setHeartbeat(heartbeat).build());
  }

  /**
   * The watch looks when the patience would run out if nothing more were heard, not on a beat: a
   * JVM that runs hundreds of daemons would otherwise wake their timers a thousand times a
   * second for nothing.
   */
  private void watchAfter(long delayNanos, long patienceNanos, long boundMillis) {
    try {
      timer.schedule(() -> watch(patienceNanos, boundMillis), delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // the daemon is leaving already
    }
  }

  private void watch(long patienceNanos, long boundMillis) {
    if (closed.isDone()) {
      return;
    }
    long silent = System.nanoTime() - lastHeard;
    if (silent >= patienceNanos) {
      abandon(Status.UNAVAILABLE.withDescription("no heartbeat from the dispatcher for "
          + TimeUnit.NANOSECONDS.toMillis(silent) + " ms (the liveness bound is " + boundMillis
          + " ms): it is frozen, cut off or gone"));
    } else {
      watchAfter(patienceNanos - silent, patienceNanos, boundMillis);
    }
  }

  /**
   * Gives the dispatcher up without waiting for it: the stream is cancelled and the channel shut
   * down at once (a cut-off dispatcher would never acknowledge a clean end), then the handler hears why.
   */
  private void abandon(Status why) {
    synchronized (out) {
      // Marked closed first: the cancel comes back as the stream's error, which must not be the reason.
      if (!closed.complete(null)) {
        return;
      }
      ((ClientCallStreamObserver<FlightData>) out).cancel(why.getDescription(), null);
    }
    channel.shutdownNow();
    handler.onDisconnected(why.asRuntimeException());
  }

  /** Says hello: from now on the dispatcher sends tasks. */
  public void start() {
    send(FromWorker.newBuilder().setHello(WorkerHello.newBuilder()
        .setDaemonId(identity.daemonId())
        .setHost(identity.host())
        .setPid(identity.pid())
        .setSlots(identity.slots())
        .addAllResources(identity.resources())
        .setFlightUrl(identity.flightUrl())
        .setUsage(ProcessUsage.current().toWire())).build());
  }

  /** Tells the dispatcher what this daemon hosts now. */
  public void hosting(Collection<String> resources) {
    send(FromWorker.newBuilder().setHosting(Hosting.newBuilder().addAllResources(resources)).build());
  }

  /** Tells the dispatcher how many threads of stopped tasks still run here, ignoring their interrupt. */
  public void runaways(int threads) {
    send(FromWorker.newBuilder().setRunaways(Runaways.newBuilder().setThreads(threads)).build());
  }

  public void done(long taskId, TaskOutcome.Kind kind, byte[] payload, String message) {
    send(FromWorker.newBuilder().setDone(TaskDone.newBuilder()
        .setTaskId(taskId)
        .setKind(Wire.toWire(kind))
        .setPayload(ByteString.copyFrom(payload))
        .setMessage(message == null ? "" : message)).build());
  }

  /**
   * Fetches a stream parked at the dispatcher for a task this daemon runs (its Arrow argument, or
   * its envelope), over this connection's channel; batches arrive as the reader is read, into
   * {@code allocator}. Close the reader when done (before the end, that cancels the stream).
   */
  public ArrowReader fetch(String ticket, BufferAllocator allocator) {
    FlightCallHeaders headers = new FlightCallHeaders();
    headers.insert(Wire.ROLE.name(), Wire.WORKER);
    headers.insert(Wire.TOKEN.name(), endpoint.token());
    // Shares the channel: closing this client leaves the connection up.
    FlightClient client = FlightGrpcUtils.createFlightClientWithSharedChannel(allocator, channel);
    FlightStream stream = client.getStream(new Ticket(ticket.getBytes(StandardCharsets.UTF_8)),
        new HeaderCallOption(headers));
    try {
      // Waits until the dispatcher answers, which it does once it has claimed the stream: a task
      // that ends before reading its input (returning it, say) must not let the stream be freed
      // at the task's end before this fetch reaches the dispatcher.
      stream.getSchema();
    } catch (RuntimeException e) {
      try {
        stream.close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return new FlightStreamReader(stream, true);
  }

  /** Shipped code calls on this connection's channel, with its token. */
  public CodeCalls code() {
    return new CodeCalls(channel, endpoint, Wire.WORKER);
  }

  public void returnTask(long taskId) {
    send(FromWorker.newBuilder().setReturned(TaskReturned.newBuilder().setTaskId(taskId)).build());
  }

  /** Asks for no more tasks; {@link Handler#onDrainAccepted()} follows. */
  public void drain(String reason) {
    send(FromWorker.newBuilder().setDraining(Draining.newBuilder().setReason(reason)).build());
  }

  /**
   * Queues {@code message} and, unless another thread is writing already, writes what is queued:
   * outcomes that finish together (and the heartbeats between them) leave as one gRPC message, in
   * the order they were sent.
   */
  private void send(FromWorker message) {
    if (pending.add(message)) {
      do {
        writePending();
      } while (pending.release());
    }
  }

  /** Under the stream's lock, so that close() writes what is still queued before it ends the stream. */
  private void writePending() {
    synchronized (out) {
      List<FromWorker> batch = pending.takeAll();
      if (batch.isEmpty() || closed.isDone()) {
        return;
      }
      FromWorker message = batch.size() == 1 ? batch.get(0)
          : FromWorker.newBuilder().setBatch(FromWorkerBatch.newBuilder().addAllMessages(batch)).build();
      try {
        out.onNext(Wire.frame(message));
      } catch (RuntimeException e) {
        // The stream is ending (cancelled or half-closed): the end reaches the handler as such.
      }
    }
  }

  /** Ends the stream cleanly and waits briefly for the last messages to leave. */
  @Override
  public void close() {
    synchronized (out) {
      if (!closed.isDone()) {
        writePending(); // outcomes queued by other threads leave before the end
        out.onCompleted();
      }
    }
    try {
      closed.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // leaving anyway
    }
    Channels.shutdown(channel);
  }

  /** A readable reason for a disconnect. */
  public static String describe(Throwable cause) {
    if (cause == null) {
      return "the dispatcher closed the connection";
    }
    Status status = Status.fromThrowable(cause);
    return status.getCode() + (status.getDescription() != null ? ": " + status.getDescription() : "");
  }
}
