package dev.kapu.serial;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * An encoded envelope, held in bounded chunks: it may be larger than any Java array. Small ones
 * travel as one array ({@link #toByteArray()}), large ones chunk by chunk ({@link #chunks()}).
 */
public final class EncodedBytes {
  private final List<byte[]> chunks;
  private final int lastLength;
  private final long size;

  private EncodedBytes(List<byte[]> chunks, int lastLength) {
    this.chunks = chunks;
    this.lastLength = lastLength;
    long total = lastLength;
    for (int i = 0; i < chunks.size() - 1; i++) {
      total += chunks.get(i).length;
    }
    this.size = total;
  }

  /** Chunks filled completely, except the last, of which {@code lastLength} bytes count. */
  public static EncodedBytes of(List<byte[]> chunks, int lastLength) {
    if (chunks.isEmpty()) {
      throw new IllegalArgumentException("no chunks");
    }
    return new EncodedBytes(List.copyOf(chunks), lastLength);
  }

  public long size() {
    return size;
  }

  /** The bytes as one array; only for sizes an array can hold. */
  public byte[] toByteArray() {
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException(size + " bytes do not fit in one array; send them as chunks");
    }
    byte[] all = new byte[(int) size];
    int at = 0;
    for (ByteBuffer chunk : chunks()) {
      int n = chunk.remaining();
      chunk.get(all, at, n);
      at += n;
    }
    return all;
  }

  /** The chunks in order, each backed by its array (read them; do not change them). */
  public List<ByteBuffer> chunks() {
    List<ByteBuffer> views = new ArrayList<>(chunks.size());
    for (int i = 0; i < chunks.size(); i++) {
      byte[] chunk = chunks.get(i);
      int length = i == chunks.size() - 1 ? lastLength : chunk.length;
      if (length > 0) {
        views.add(ByteBuffer.wrap(chunk, 0, length));
      }
    }
    return views;
  }
}
