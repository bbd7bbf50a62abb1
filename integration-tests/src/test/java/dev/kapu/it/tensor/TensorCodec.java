package dev.kapu.it.tensor;

import dev.kapu.serial.Codec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.StreamCorruptedException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Writes a {@link Tensor} as its shape and its raw float32 values, and checks both on the way in
 * and on the way out. Listed in {@code META-INF/services/dev.kapu.serial.Codec}, so the client and
 * every daemon (same classpath) find it.
 *
 * <p>Format, all big-endian as {@link DataOutput} writes it:
 *
 * <pre>
 *   u8    rank                 0..32
 *   i32   dim[rank]            each >= 0
 *   i32   count                = product(dim)
 *   f32   value[count]         IEEE 754 bits, row-major
 * </pre>
 *
 * The count is redundant with the shape on purpose: a reader checks one against the other before
 * it allocates anything. Values move in 64 KiB blocks, not one float per call. A different format
 * gets a different {@link #id()}, never a silent change under this one.
 */
public final class TensorCodec implements Codec<Tensor> {

  /** The id that travels with each tensor. */
  public static final String ID = "example.tensor.f32";

  static final int MAX_RANK = 32;
  /** The largest Java array. */
  static final int MAX_VALUES = Integer.MAX_VALUE - 8;
  private static final int BLOCK_FLOATS = 16 * 1024;

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Class<Tensor> type() {
    return Tensor.class;
  }

  @Override
  public void write(Tensor tensor, DataOutput out) throws IOException {
    int[] shape = tensor.shape();
    float[] data = tensor.data();
    if (shape.length > MAX_RANK) {
      throw new IllegalArgumentException("tensor of rank " + shape.length + " (at most " + MAX_RANK + ")");
    }
    long size = Tensor.size(shape);
    if (size < 0) {
      throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape) + " has a negative dimension");
    }
    if (size != data.length) {
      throw new IllegalArgumentException("tensor shape " + Arrays.toString(shape) + " holds " + size
          + " values but its data has " + data.length);
    }
    out.writeByte(shape.length);
    for (int d : shape) {
      out.writeInt(d);
    }
    out.writeInt(data.length);
    byte[] block = new byte[Math.min(data.length, BLOCK_FLOATS) * Float.BYTES];
    ByteBuffer bytes = ByteBuffer.wrap(block);
    for (int from = 0; from < data.length; from += BLOCK_FLOATS) {
      int n = Math.min(BLOCK_FLOATS, data.length - from);
      bytes.clear();
      bytes.asFloatBuffer().put(data, from, n);
      out.write(block, 0, n * Float.BYTES);
    }
  }

  @Override
  public Tensor read(DataInput in) throws IOException {
    int rank = in.readUnsignedByte();
    if (rank > MAX_RANK) {
      throw new StreamCorruptedException("tensor of rank " + rank + " (at most " + MAX_RANK + ")");
    }
    int[] shape = new int[rank];
    long size = 1;
    for (int i = 0; i < rank; i++) {
      shape[i] = in.readInt();
      if (shape[i] < 0) {
        throw new StreamCorruptedException("tensor dimension " + i + " is " + shape[i]);
      }
      size *= shape[i];
      if (size > MAX_VALUES) {
        throw new StreamCorruptedException("tensor shape " + Arrays.toString(Arrays.copyOf(shape, i + 1))
            + "... holds more than " + MAX_VALUES + " values");
      }
    }
    int count = in.readInt();
    if (count != size) {
      throw new StreamCorruptedException("tensor shape " + Arrays.toString(shape) + " holds " + size
          + " values but the stream announces " + count);
    }
    float[] data = new float[count];
    byte[] block = new byte[Math.min(count, BLOCK_FLOATS) * Float.BYTES];
    for (int from = 0; from < count; from += BLOCK_FLOATS) {
      int n = Math.min(BLOCK_FLOATS, count - from);
      in.readFully(block, 0, n * Float.BYTES);
      ByteBuffer.wrap(block, 0, n * Float.BYTES).asFloatBuffer().get(data, from, n);
    }
    return new Tensor(shape, data);
  }
}
