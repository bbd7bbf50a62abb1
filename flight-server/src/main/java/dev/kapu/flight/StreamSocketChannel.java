package dev.kapu.flight;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Settings;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;

/**
 * A connection of Kapu's bulk streams ({@link StreamChannels}), a client's or one a server
 * accepted: Netty's NIO socket, with {@link DirectWrites} first in its pipeline, and gRPC's HTTP/2
 * handler composing its socket reads instead of merging them and taking large frames. Both ends
 * read bulk: a client the tables it fetches, a daemon the tables uploaded to it.
 */
final class StreamSocketChannel extends NioSocketChannel {

  /** A client's connection. */
  StreamSocketChannel() {
    tune();
  }

  /** A connection a server accepted. */
  private StreamSocketChannel(Channel server, SocketChannel socket) {
    super(server, socket);
    tune();
  }

  private void tune() {
    pipeline().addFirst(DirectWrites.INSTANCE, new TuneHttp2());
  }

  /** A server socket whose accepted connections are {@link StreamSocketChannel}s. */
  static final class Server extends NioServerSocketChannel {
    @Override
    protected int doReadMessages(List<Object> accepted) throws Exception {
      SocketChannel socket = javaChannel().accept();
      if (socket == null) {
        return 0;
      }
      try {
        accepted.add(new StreamSocketChannel(this, socket));
        return 1;
      } catch (RuntimeException e) {
        socket.close();
        throw e;
      }
    }
  }

  /**
   * Tunes gRPC's HTTP/2 handler once it is in the pipeline:
   * <ul>
   *   <li>It merges every socket read into one buffer, which copies nearly every byte received (a
   *       frame seldom ends where a read does), and Flight's reader then copies each message out of
   *       the frames again. Netty's composing cumulator keeps the reads as they came, so Flight's
   *       copy is the only one.</li>
   *   <li>It tells the other end the largest frame it takes with its first settings, HTTP/2's 16
   *       KiB. A second SETTINGS frame raises that to {@link StreamChannels#FRAME_BYTES}; the
   *       handler applies it to its own reader when the other end acknowledges it, which that end
   *       does before it sends a frame that large.</li>
   * </ul>
   * gRPC installs its handler when the connection becomes active (a server's, once it has
   * negotiated the plaintext protocol), and has sent its preface by the time that event has passed
   * through; this looks for the handler then, and before the first bytes go up should it come
   * later. Once it is found this handler leaves the pipeline.
   */
  private static final class TuneHttp2 extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.fireChannelActive();
      tuneOnce(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      tuneOnce(ctx);
      ctx.fireChannelRead(msg);
    }

    private void tuneOnce(ChannelHandlerContext ctx) {
      for (Map.Entry<String, ChannelHandler> handler : ctx.pipeline()) {
        if (handler.getValue() instanceof Http2ConnectionHandler http2) {
          http2.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
          ChannelHandlerContext http2Context = ctx.pipeline().context(http2);
          http2.encoder().writeSettings(http2Context,
              new Http2Settings().maxFrameSize(StreamChannels.FRAME_BYTES), http2Context.voidPromise());
          http2Context.flush();
          ctx.pipeline().remove(this);
          return;
        }
      }
    }
  }
}
