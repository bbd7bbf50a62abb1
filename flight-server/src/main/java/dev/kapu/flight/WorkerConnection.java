package dev.kapu.flight;

import com.google.protobuf.ByteString;
import dev.kapu.flight.internal.Channels;
import dev.kapu.flight.internal.Wire;
import dev.kapu.flight.internal.wire.Draining;
import dev.kapu.flight.internal.wire.FromWorker;
import dev.kapu.flight.internal.wire.Hosting;
import dev.kapu.flight.internal.wire.Runaways;
import dev.kapu.flight.internal.wire.TaskDone;
import dev.kapu.flight.internal.wire.TaskReturned;
import dev.kapu.flight.internal.wire.ToWorker;
import dev.kapu.flight.internal.wire.WorkerHello;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.impl.Flight.FlightData;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/** A daemon's stream to its dispatcher: tasks come in, outcomes go out. */
public final class WorkerConnection implements AutoCloseable {

  /** A task (or everywhere() setup) sent to this daemon. */
  public record Assignment(long taskId, byte[] payload, long timeoutMillis, boolean setup) {}

  /** What the daemon does with what the dispatcher sends; called on a network thread: do not block. */
  public interface Handler {
    void onAssignment(Assignment assignment);

    void onCancel(long taskId);

    /** The dispatcher acknowledged the drain: no more tasks will come. */
    void onDrainAccepted();

    /** The stream ended; {@code cause} is null if the dispatcher closed it cleanly. */
    void onDisconnected(Throwable cause);
  }

  /** Who this daemon is, what it hosts, and where it serves its own Flight streams (may be empty). */
  public record Identity(String daemonId, String host, long pid, int slots, List<String> resources,
      String flightUrl) {}

  private final ManagedChannel channel;
  private final StreamObserver<FlightData> out;
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final Identity identity;
  private final Endpoint endpoint;

  private WorkerConnection(Endpoint endpoint, Identity identity, Handler handler) {
    this.endpoint = endpoint;
    this.channel = Channels.open(endpoint);
    this.out = Channels.stub(channel, endpoint, Wire.WORKER).doExchange(new StreamObserver<>() {
      @Override
      public void onNext(FlightData data) {
        ToWorker message = Wire.unframe(data, ToWorker.parser());
        switch (message.getKindCase()) {
          case ASSIGN -> {
            var a = message.getAssign();
            handler.onAssignment(new Assignment(
                a.getTaskId(), a.getPayload().toByteArray(), a.getTimeoutMillis(), a.getSetup()));
          }
          case CANCEL -> handler.onCancel(message.getCancel().getTaskId());
          case DRAIN_ACCEPTED -> handler.onDrainAccepted();
          default -> { } // a newer dispatcher's message: nothing to do with it
        }
      }

      @Override
      public void onError(Throwable t) {
        closed.complete(null);
        handler.onDisconnected(t);
      }

      @Override
      public void onCompleted() {
        closed.complete(null);
        handler.onDisconnected(null);
      }
    });
    this.identity = identity;
  }

  /**
   * Dials the dispatcher; nothing is sent until {@link #start()}, so the caller can finish
   * setting up before the first task arrives. Failures (a refused token) arrive at {@link
   * Handler#onDisconnected}.
   */
  public static WorkerConnection open(Endpoint endpoint, Identity identity, Handler handler) {
    return new WorkerConnection(endpoint, identity, handler);
  }

  /** Says hello: from now on the dispatcher sends tasks. */
  public void start() {
    send(FromWorker.newBuilder().setHello(WorkerHello.newBuilder()
        .setDaemonId(identity.daemonId())
        .setHost(identity.host())
        .setPid(identity.pid())
        .setSlots(identity.slots())
        .addAllResources(identity.resources())
        .setFlightUrl(identity.flightUrl())).build());
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

  public void returnTask(long taskId) {
    send(FromWorker.newBuilder().setReturned(TaskReturned.newBuilder().setTaskId(taskId)).build());
  }

  /** Asks for no more tasks; {@link Handler#onDrainAccepted()} follows. */
  public void drain(String reason) {
    send(FromWorker.newBuilder().setDraining(Draining.newBuilder().setReason(reason)).build());
  }

  private void send(FromWorker message) {
    synchronized (out) {
      if (!closed.isDone()) {
        out.onNext(Wire.frame(message));
      }
    }
  }

  /** Ends the stream cleanly and waits briefly for the last messages to leave. */
  @Override
  public void close() {
    synchronized (out) {
      if (!closed.isDone()) {
        out.onCompleted();
      }
    }
    try {
      closed.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // leaving anyway
    }
    channel.shutdown();
    try {
      if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      channel.shutdownNow();
    }
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
