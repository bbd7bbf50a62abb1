package dev.kapu.flight;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.nio.ByteBuffer;

/**
 * Hands Flight's zero-copy messages to the socket without copying them ({@link StreamChannels}).
 * Flight's zero-copy write wraps a batch's buffers (direct memory) in one Netty composite together
 * with the message's protobuf header, which it writes into a heap buffer; so the composite, and
 * every HTTP/2 frame sliced from it, counts as a heap buffer, and Netty's NIO transport copies each
 * whole frame into a new direct buffer before it writes (its {@code filterOutboundMessage}). This
 * handler sits first in the pipeline, next to the socket, so it sees every frame last; it rewrites
 * such a frame as a composite of direct pieces instead: the direct parts wrapped as they are, only
 * the heap parts (a few header bytes) copied. The frame is released once its rewrite has been
 * written.
 */
@Sharable
final class DirectWrites extends ChannelOutboundHandlerAdapter {
  static final DirectWrites INSTANCE = new DirectWrites();

  /** Below this, copying is cheaper than wrapping. */
  static final int MIN_BYTES = 4096;

  private DirectWrites() {}

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    ctx.write(msg instanceof ByteBuf buf ? direct(ctx.alloc(), buf) : msg, promise);
  }

  /** {@code buf} itself if Netty would write it as it is, else a direct composite that owns it. */
  static ByteBuf direct(ByteBufAllocator alloc, ByteBuf buf) {
    if (buf.isDirect() || buf.readableBytes() < MIN_BYTES || buf.nioBufferCount() < 2) {
      return buf;
    }
    ByteBuffer[] parts = buf.nioBuffers();
    CompositeByteBuf out = new Owning(alloc, parts.length, buf);
    for (ByteBuffer part : parts) {
      out.addComponent(true, part.isDirect()
          ? Unpooled.wrappedBuffer(part)
          : alloc.directBuffer(part.remaining()).writeBytes(part));
    }
    return out;
  }

  /** A composite that keeps the buffer its direct pieces point into until it is released itself. */
  private static final class Owning extends CompositeByteBuf {
    private final ByteBuf owned;

    Owning(ByteBufAllocator alloc, int components, ByteBuf owned) {
      super(alloc, true, Math.max(components, 2));
      this.owned = owned;
    }

    @Override
    protected void deallocate() {
      try {
        super.deallocate();
      } finally {
        owned.release();
      }
    }
  }
}
