package dev.kapu.flight;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** A frame of a message as Flight's zero-copy write builds it: a heap header, then direct data. */
class DirectWritesTest {
  private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

  @Test
  void aHeapHeaderedFrameIsWrittenAsDirectPiecesOfTheSameBytes() {
    ByteBuffer data = ByteBuffer.allocateDirect(3 * DirectWrites.MIN_BYTES);
    for (int i = 0; data.hasRemaining(); i++) {
      data.put((byte) (i * 31));
    }
    data.flip();
    CompositeByteBuf message = Unpooled.compositeBuffer(Integer.MAX_VALUE)
        .addComponent(true, Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5}))
        .addComponent(true, Unpooled.wrappedBuffer(data.duplicate()));
    ByteBuf frame = message.retainedSlice(2, message.readableBytes() - 2);
    byte[] expected = bytes(frame);
    assertThat(frame.isDirect()).isFalse(); // what Netty's NIO transport would copy

    ByteBuf written = DirectWrites.direct(ALLOC, frame);

    assertThat(written).isNotSameAs(frame);
    assertThat(written.isDirect()).isTrue();
    assertThat(bytes(written)).isEqualTo(expected);
    assertThat(written.nioBuffers()).anySatisfy(piece -> assertThat(piece.isDirect()).isTrue())
        .as("the data is wrapped, not copied").anySatisfy(piece -> assertThat(address(piece)).isEqualTo(address(data)));
    assertThat(message.refCnt()).isEqualTo(2); // the message's own and the frame's (a retained slice)
    written.release();
    assertThat(message.refCnt()).as("the frame is released with its rewrite").isEqualTo(1);
    message.release();
  }

  @Test
  void directSmallOrSingleBuffersAreWrittenAsTheyAre() {
    ByteBuf direct = ALLOC.directBuffer(2 * DirectWrites.MIN_BYTES).writeZero(2 * DirectWrites.MIN_BYTES);
    ByteBuf small = Unpooled.wrappedBuffer(new byte[DirectWrites.MIN_BYTES - 1]);
    ByteBuf heap = Unpooled.wrappedBuffer(new byte[2 * DirectWrites.MIN_BYTES]);
    assertThat(DirectWrites.direct(ALLOC, direct)).isSameAs(direct);
    assertThat(DirectWrites.direct(ALLOC, small)).isSameAs(small);
    assertThat(DirectWrites.direct(ALLOC, heap)).as("one heap array: Netty copies it as it would have").isSameAs(heap);
    direct.release();
    small.release();
    heap.release();
  }

  private static byte[] bytes(ByteBuf buf) {
    byte[] out = new byte[buf.readableBytes()];
    buf.getBytes(buf.readerIndex(), out);
    return out;
  }

  /** Where a direct buffer's memory is, to tell a wrapper from a copy. */
  private static long address(ByteBuffer direct) {
    return Unpooled.wrappedBuffer(direct).memoryAddress();
  }
}
