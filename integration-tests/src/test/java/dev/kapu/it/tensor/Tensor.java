package dev.kapu.it.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major order: the example's own value type.
 *
 * <p>It is deliberately <em>not</em> {@link java.io.Serializable}: it crosses process boundaries
 * only through {@link TensorCodec}, so sending one to a daemon (as a map item) or back (as a
 * result) proves the codec is in use. A consequence worth knowing: a lambda cannot
 * <em>capture</em> a tensor, because captured values travel by Java serialization; capture a
 * {@code float[]} and build the tensor inside the task, or pass tensors as map items.
 *
 * <p>The canonical constructor does not check that {@code data} fits {@code shape}, so that the
 * codec's validation can be shown; {@link #of} does.
 *
 * @param shape the size of each dimension, outermost first; {@code []} is a scalar
 * @param data the values, {@code product(shape)} of them
 */
public record Tensor(int[] shape, float[] data) {

  public Tensor {
    if (shape == null || data == null) {
      throw new NullPointerException("a tensor needs a shape and data");
    }
  }

  /** A tensor whose data is checked against its shape. */
  public static Tensor of(int[] shape, float... data) {
    long size = size(shape);
    if (size != data.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + size + " values, data has " + data.length);
    }
    return new Tensor(shape.clone(), data);
  }

  /** How many values a tensor of {@code shape} holds; -1 if a dimension is negative. */
  public static long size(int[] shape) {
    long size = 1;
    for (int d : shape) {
      if (d < 0) {
        return -1;
      }
      size = Math.multiplyExact(size, (long) d);
    }
    return size;
  }

  public int rank() {
    return shape.length;
  }

  /** The shape as ONNX Runtime wants it. */
  public long[] longShape() {
    return Arrays.stream(shape).asLongStream().toArray();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    String values = data.length <= 8
        ? Arrays.toString(data)
        : Arrays.toString(Arrays.copyOf(data, 8)).replace("]", ", ...]");
    return "Tensor" + Arrays.toString(shape) + values;
  }
}
