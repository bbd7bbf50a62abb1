package dev.kapu.flight;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Map;

/**
 * A connection of Kapu's bulk streams ({@link StreamChannels}): Netty's NIO socket, with {@link
 * DirectWrites} first in its pipeline and, on the reading side of a client, gRPC's HTTP/2 handler
 * composing its socket reads instead of merging them.
 */
final class StreamSocketChannel extends NioSocketChannel {

  /** A client's connection: it writes without a copy and composes what it reads. */
  StreamSocketChannel() {
    pipeline().addFirst(DirectWrites.INSTANCE, new ComposeReads());
  }

  /** A connection a server accepted: it writes without a copy. */
  private StreamSocketChannel(Channel server, SocketChannel socket) {
    super(server, socket);
    pipeline().addFirst(DirectWrites.INSTANCE);
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
   * gRPC's HTTP/2 handler merges every socket read into one buffer, which copies nearly every byte
   * received (an HTTP/2 frame of 16 KiB seldom ends where a read does), and Flight's reader then
   * copies each message out of the frames again. Netty's composing cumulator keeps the reads as they
   * came, so Flight's copy is the only one. gRPC installs its handler when the connection becomes
   * active, so this looks for it then, and before the first bytes go up should it come later; once
   * it is found this handler leaves the pipeline.
   */
  private static final class ComposeReads extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.fireChannelActive();
      composeOnce(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      composeOnce(ctx);
      ctx.fireChannelRead(msg);
    }

    private void composeOnce(ChannelHandlerContext ctx) {
      for (Map.Entry<String, ChannelHandler> handler : ctx.pipeline()) {
        if (handler.getValue() instanceof Http2ConnectionHandler http2) {
          http2.setCumulator(ByteToMessageDecoder.COMPOSITE_CUMULATOR);
          ctx.pipeline().remove(this);
          return;
        }
      }
    }
  }
}
