package dev.kapu.serial;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An output that keeps what is written in bounded chunks instead of one growing array: an
 * encoding may be larger than any array, and copying a huge array to grow it costs twice its
 * size. The first chunk starts small and grows (most envelopes are tiny); later chunks are full
 * size. Not thread-safe.
 */
final class ChunkedOutput extends OutputStream {
  /**
   * The size of every chunk but the last: just under 4 MiB, so that with its array header a chunk
   * fills whole G1 regions (a 4 MiB array would take a third region and waste a third of the heap).
   */
  public static final int CHUNK_BYTES = (4 << 20) - 64;

  private final List<byte[]> full = new ArrayList<>();
  private byte[] current;
  private int count;
  private long before;

  public ChunkedOutput(int initialCapacity) {
    this.current = new byte[Math.max(16, Math.min(initialCapacity, CHUNK_BYTES))];
  }

  /** Bytes written so far (less what {@link #truncate} cut). */
  public long size() {
    return before + count;
  }

  @Override
  public void write(int b) {
    if (count == current.length) {
      makeRoom();
    }
    current[count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    while (len > 0) {
      if (count == current.length) {
        makeRoom();
      }
      int n = Math.min(len, current.length - count);
      System.arraycopy(b, off, current, count, n);
      count += n;
      off += n;
      len -= n;
    }
  }

  private void makeRoom() {
    if (current.length < CHUNK_BYTES) {
      current = Arrays.copyOf(current, (int) Math.min(CHUNK_BYTES, current.length * 2L));
    } else {
      full.add(current);
      before += current.length;
      current = new byte[CHUNK_BYTES];
      count = 0;
    }
  }

  /** Cuts what was written back to {@code size} bytes. */
  public void truncate(long size) {
    if (size < 0 || size > size()) {
      throw new IllegalArgumentException("size " + size + " outside 0.." + size());
    }
    while (size < before) {
      current = full.remove(full.size() - 1);
      before -= current.length;
    }
    count = (int) (size - before);
  }

  /** Overwrites four bytes at {@code position}, big-endian, as {@link java.io.DataOutput#writeInt}. */
  public void putInt(long position, int value) {
    for (int i = 0; i < 4; i++) {
      put(position + i, (byte) (value >>> (24 - 8 * i)));
    }
  }

  private void put(long position, byte b) {
    if (position >= before) {
      current[(int) (position - before)] = b;
      return;
    }
    long start = 0;
    for (byte[] chunk : full) {
      if (position < start + chunk.length) {
        chunk[(int) (position - start)] = b;
        return;
      }
      start += chunk.length;
    }
  }

  /** What was written; this output must not be used afterwards. */
  public EncodedBytes finish() {
    List<byte[]> chunks = new ArrayList<>(full);
    chunks.add(current);
    EncodedBytes bytes = EncodedBytes.of(chunks, count);
    full.clear();
    current = null;
    return bytes;
  }
}
