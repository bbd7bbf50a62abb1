package dev.kapu.flight;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The connections that carry Kapu's bulk streams: a daemon's result endpoint and the clients that
 * fetch from it ({@code kapu.query}, task results, {@code RemoteSql}). gRPC's Netty transport as it
 * is copies twice where Kapu's streams need not:
 * <ul>
 *   <li>Flight's zero-copy write puts each batch's direct buffers in one Netty composite behind
 *       its protobuf header, which lives on the heap, so Netty's NIO transport takes every HTTP/2
 *       frame of it for a heap buffer and copies it whole into a direct one before writing it
 *       (a quarter of a daemon's network thread while it serves a held table). {@link DirectWrites}
 *       hands the batch's memory to the socket as it is.</li>
 *   <li>The HTTP/2 handler of the reading side (a client fetching a table, a daemon taking an
 *       upload) merges every socket read into one buffer before Flight copies each message out of
 *       it; composing the reads leaves Flight's copy the only one.</li>
 * </ul>
 * Nor does a stream need HTTP/2's smallest frames: each end takes frames of up to {@link
 * #FRAME_BYTES} from the other, so a batch of half a megabyte crosses in one frame instead of 32
 * of 16 KiB, each with its own header, flow-control step and slice on both sides.
 * gRPC has no setting for the copies nor for a client's frame size, so they go in through the one
 * public hook that reaches the connection: the Netty channel type ({@code channelFactory}), which
 * brings its own event loops.
 * Over TLS the socket sees the TLS handler's direct buffers, so only the composed reads and the
 * larger frames apply.
 * <p>A client also parses each message (Flight's copy into Arrow buffers) on the network thread that
 * read it ({@code directExecutor}) instead of handing it to gRPC's executor: no hand-off per
 * message, and gRPC's buffers go back to the pool of the thread that took them from it rather than
 * to a shared arena under its lock. Flight's and Kapu's callbacks on these calls only queue what
 * arrives or complete a future, so nothing blocks the network thread.
 * {@code -Dkapu.streams.pipeline=grpc} leaves gRPC's transport as it is (the way back, and the
 * "before" of {@code bench query}).
 */
public final class StreamChannels {
  static final boolean ENABLED = !"grpc".equals(System.getProperty("kapu.streams.pipeline"));

  private StreamChannels() {}

  /**
   * How much a server's stream may have queued in gRPC and still count as ready for the next
   * message (gRPC's own threshold is 32 KiB).
   */
  static final int READY_BYTES = 4 << 20;

  /** The largest HTTP/2 frame a stream client accepts (HTTP/2's default is 16 KiB). */
  static final int FRAME_BYTES = 1 << 20;

  /**
   * How much a stream connection may have queued for its socket before Netty counts it as
   * unwritable (Netty's default is 64 KiB). Netty's HTTP/2 writer hands a connection no more per pass
   * than it has room for, and cuts no frame larger than that, so with the default the other end's
   * larger frames would stay at 64 KiB. What waits are zero-copy references to batches the sender
   * holds anyway: a daemon's tables and results, or the batches {@code kapu serve} passes on to a
   * daemon as they arrive.
   */
  static final WriteBufferWaterMark SOCKET_QUEUE = new WriteBufferWaterMark(2 << 20, 4 << 20);

  /**
   * A server whose plaintext connections write Flight's zero-copy batches without a copy, in frames
   * as large as its clients accept, read uploads in large frames with a copy less, and whose
   * streams keep a few messages queued ahead of the socket: Kapu's writers send a message once the
   * stream is ready ({@link Outbound}) and, for want of a callback they could use, poll for that
   * with a back-off, so with gRPC's threshold the socket sat idle from the moment a message had
   * gone out until the writer looked again. Queued messages are zero-copy references to batches
   * the daemon holds anyway.
   */
  public static NettyServerBuilder server(NettyServerBuilder server) {
    if (!ENABLED) {
      return server;
    }
    return server.intercept(readyAhead(READY_BYTES))
        .channelFactory(StreamSocketChannel.Server::new)
        .withChildOption(ChannelOption.WRITE_BUFFER_WATER_MARK, SOCKET_QUEUE)
        .bossEventLoopGroup(EventLoops.BOSS)
        .workerEventLoopGroup(EventLoops.WORKERS);
  }

  /**
   * A client channel that reads streams in large frames with a copy less, parsing them on its
   * network thread, and writes uploads without a copy, in frames as large as the daemon takes.
   */
  public static NettyChannelBuilder client(NettyChannelBuilder channel) {
    if (!ENABLED) {
      return channel;
    }
    return channel.channelFactory(StreamSocketChannel::new).eventLoopGroup(EventLoops.WORKERS).directExecutor()
        .withOption(ChannelOption.WRITE_BUFFER_WATER_MARK, SOCKET_QUEUE);
  }

  /**
   * Lets each call of a server queue up to {@code bytes} in gRPC and still count as ready (gRPC's
   * {@code ServerCall.setOnReadyThreshold}).
   */
  public static ServerInterceptor readyAhead(int bytes) {
    return new ReadyAhead(bytes);
  }

  private record ReadyAhead(int bytes) implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      call.setOnReadyThreshold(bytes);
      return next.startCall(call, headers);
    }
  }

  /**
   * One set of event loops for every stream connection of this JVM, as gRPC shares its default
   * ones: daemon threads, two per core, never shut down.
   */
  private static final class EventLoops {
    static final EventLoopGroup BOSS = new NioEventLoopGroup(1, new DefaultThreadFactory("kapu-stream-accept", true));
    static final EventLoopGroup WORKERS = new NioEventLoopGroup(0, new DefaultThreadFactory("kapu-stream-io", true));
  }
}
