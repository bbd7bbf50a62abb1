package dev.kapu.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.arrow.flight.impl.Flight.FlightData;
import org.apache.arrow.flight.impl.FlightServiceGrpc;

/**
 * The transport's floor: one {@link FlightData} each way on a single Arrow Flight DoExchange
 * stream between two JVMs on loopback, over the same stack Kapu's tasks ride (grpc-netty, HTTP/2,
 * protobuf FlightData with the payload in {@code app_metadata}), but with nothing behind it: the
 * other side echoes every message straight back from its network thread.
 *
 * <p>The gap between this and {@link TcpEchoPeer} is what gRPC itself costs per round trip; the gap
 * between this and a Kapu task is what Kapu adds on top of its transport.
 *
 * <p>Both sides run their callbacks on the Netty event loop ({@code directExecutor}), as Kapu's
 * task streams do. The measuring thread is a blocking caller like {@code submit(...).join()}: it
 * sends, then parks until the client's event loop hands it the reply, so each round trip pays the
 * same two thread handoffs a blocked Kapu caller pays (caller to event loop on send, event loop to
 * caller on reply).
 */
public final class GrpcEchoPeer {

  /** About the size of one of Kapu's small control messages. */
  private static final int METADATA_BYTES = 40;
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  /** A reply this late means the echo child is stuck; fail rather than hang the benchmark. */
  private static final long REPLY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long SHUTDOWN_SECONDS = 5;

  private GrpcEchoPeer() {}

  /**
   * The echo side, run in a child JVM by {@link #open}: a gRPC server on an ephemeral
   * loopback port, announced as {@code READY <port>}, whose DoExchange sends every message back on
   * the same stream and completes the stream when the client does.
   */
  public static void main(String[] args) throws IOException, InterruptedException {
    ChildJvm.exitWithParent();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .directExecutor()
        .addService(new Echo())
        .build()
        .start();
    System.out.println("READY " + server.getPort());
    server.awaitTermination();
  }

  /**
   * Starts the echo child and opens one DoExchange stream to it. Round trips must be made from the
   * thread that opened it: that is the thread the replies wake.
   *
   * @throws IOException if the child fails to start; a round trip throws if the stream fails or a
   *     reply takes 10 s
   */
  public static RoundTrip open() throws IOException {
    ChildJvm echo = ChildJvm.start(GrpcEchoPeer.class, List.of(), List.of(), READY_TIMEOUT);
    ManagedChannel channel;
    try {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(echo.readyText()))
          .usePlaintext()
          .directExecutor()
          .build();
    } catch (RuntimeException e) {
      echo.close();
      throw e;
    }
    Replies replies = new Replies();
    StreamObserver<FlightData> requests = FlightServiceGrpc.newStub(channel).doExchange(replies);
    FlightData message = message();
    AutoCloseable opened = () -> {
      try (echo) {
        requests.onCompleted();
        replies.awaitEnd();
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
      }
    };
    return RoundTrip.over(opened, () -> roundTrip(requests, replies, message));
  }

  private static FlightData message() {
    byte[] metadata = new byte[METADATA_BYTES];
    byte[] text = "kapu-bench grpc echo round trip".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(text, 0, metadata, 0, text.length);
    return FlightData.newBuilder().setAppMetadata(ByteString.copyFrom(metadata)).build();
  }

  private static void roundTrip(StreamObserver<FlightData> requests, Replies replies, FlightData message)
      throws IOException {
    replies.expect();
    requests.onNext(message);
    FlightData reply = replies.await();
    if (reply.getAppMetadata().size() != METADATA_BYTES) {
      throw new IOException("the gRPC echo child sent back " + reply.getAppMetadata().size()
          + " bytes of app_metadata instead of " + METADATA_BYTES);
    }
  }

  /** The server's DoExchange: echoes on the network thread, which the echo never blocks. */
  private static final class Echo extends FlightServiceGrpc.FlightServiceImplBase {
    @Override
    public StreamObserver<FlightData> doExchange(StreamObserver<FlightData> responses) {
      return new StreamObserver<>() {
        @Override
        public void onNext(FlightData data) {
          responses.onNext(data);
        }

        @Override
        public void onError(Throwable t) {
          // The client went away; the call is over and there is nobody to tell.
        }

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      };
    }
  }

  /**
   * The client's response observer, run on the client's event loop, and the measuring thread's
   * side of the handoff: one reply at a time, passed through a volatile field, with the waiting
   * thread parked until {@link #onNext} unparks it. This is what a blocking
   * {@code CompletableFuture.join()} does, without the future's allocation.
   */
  private static final class Replies implements StreamObserver<FlightData> {
    private final Thread waiter = Thread.currentThread();
    private volatile FlightData reply;
    private volatile Throwable error;
    private volatile boolean ended;

    void expect() {
      reply = null;
    }

    FlightData await() throws IOException {
      long deadline = System.nanoTime() + REPLY_TIMEOUT_NANOS;
      FlightData r;
      while ((r = reply) == null) {
        check(deadline, "a reply");
        if (ended) {
          throw new EOFException("the gRPC echo child ended the stream while a reply was due");
        }
        LockSupport.parkNanos(this, deadline - System.nanoTime());
      }
      return r;
    }

    void awaitEnd() throws IOException {
      long deadline = System.nanoTime() + REPLY_TIMEOUT_NANOS;
      while (!ended) {
        check(deadline, "the end of the stream");
        LockSupport.parkNanos(this, deadline - System.nanoTime());
      }
    }

    private void check(long deadline, String what) throws IOException {
      Throwable e = error;
      if (e != null) {
        throw new IOException("the gRPC echo stream failed", e);
      }
      if (Thread.interrupted()) {
        throw new InterruptedIOException("interrupted while waiting for " + what);
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new IOException("no " + what + " from the gRPC echo child within "
            + TimeUnit.NANOSECONDS.toSeconds(REPLY_TIMEOUT_NANOS) + " s");
      }
    }

    @Override
    public void onNext(FlightData data) {
      reply = data;
      LockSupport.unpark(waiter);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
      LockSupport.unpark(waiter);
    }

    @Override
    public void onCompleted() {
      ended = true;
      LockSupport.unpark(waiter);
    }
  }
}
