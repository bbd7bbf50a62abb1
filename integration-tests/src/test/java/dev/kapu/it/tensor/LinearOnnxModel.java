package dev.kapu.it.tensor;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a small, valid ONNX model file without Python, without the ONNX library and without a
 * download: {@code y = x · W + b}, a {@code MatMul} node then an {@code Add} node, where {@code x}
 * is {@code float[N, in]} (any batch size N), {@code W} is {@code float[in, out]} and {@code b} is
 * {@code float[out]}, both stored in the file as initializers.
 *
 * <p>An ONNX file is one protocol-buffers message ({@code ModelProto}). This class encodes the
 * few messages and fields it needs by their field numbers with protobuf-java's {@link
 * CodedOutputStream} (already on the classpath through Arrow Flight); no {@code .proto} file is
 * involved. The fields used:
 *
 * <pre>
 * ModelProto          1 ir_version (int64)   2 producer_name   7 graph   8 opset_import
 * OperatorSetIdProto  1 domain ("" = ai.onnx)   2 version (int64)
 * GraphProto          1 node   2 name   5 initializer   11 input   12 output
 * NodeProto           1 input   2 output   3 name   4 op_type
 * TensorProto         1 dims   2 data_type (1 = FLOAT)   8 name   9 raw_data (little-endian)
 * ValueInfoProto      1 name   2 type
 * TypeProto           1 tensor_type { 1 elem_type   2 shape }
 * TensorShapeProto    1 dim { 1 dim_value | 2 dim_param }
 * </pre>
 *
 * A real project would export its model from its training framework instead; everything from
 * loading the file on is the same.
 */
public final class LinearOnnxModel {
  /** IR version 8 with opset 17: well inside what every recent ONNX Runtime reads. */
  static final long IR_VERSION = 8;
  static final long OPSET = 17;
  private static final int FLOAT = 1;

  private final float[][] weights;
  private final float[] bias;

  /** {@code weights[i][j]} maps input {@code i} to output {@code j}; {@code bias[j]} is added to output {@code j}. */
  public LinearOnnxModel(float[][] weights, float[] bias) {
    if (weights.length == 0 || weights[0].length != bias.length) {
      throw new IllegalArgumentException("weights must be [in][out] and bias [out]");
    }
    for (float[] row : weights) {
      if (row.length != bias.length) {
        throw new IllegalArgumentException("every row of the weights needs " + bias.length + " values");
      }
    }
    this.weights = weights;
    this.bias = bias;
  }

  public int inputs() {
    return weights.length;
  }

  public int outputs() {
    return bias.length;
  }

  /** What the model computes, in plain Java, to check ONNX Runtime against. */
  public Tensor apply(Tensor x) {
    int rows = x.shape()[0];
    float[] y = new float[rows * outputs()];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < outputs(); j++) {
        double sum = bias[j];
        for (int i = 0; i < inputs(); i++) {
          sum += (double) x.data()[r * inputs() + i] * weights[i][j];
        }
        y[r * outputs() + j] = (float) sum;
      }
    }
    return Tensor.of(new int[] {rows, outputs()}, y);
  }

  /** Writes the model to {@code file}. */
  public Path writeTo(Path file) throws IOException {
    Files.write(file, toBytes());
    return file;
  }

  /** The model as the bytes of an {@code .onnx} file. */
  public byte[] toBytes() {
    int in = inputs();
    int out = outputs();
    float[] w = new float[in * out];
    for (int i = 0; i < in; i++) {
      System.arraycopy(weights[i], 0, w, i * out, out);
    }
    byte[] graph = message(g -> {
      g.writeByteArray(1, node("matmul", "MatMul", new String[] {"x", "W"}, "xW"));
      g.writeByteArray(1, node("add", "Add", new String[] {"xW", "b"}, "y"));
      g.writeString(2, "linear");
      g.writeByteArray(5, initializer("W", new long[] {in, out}, w));
      g.writeByteArray(5, initializer("b", new long[] {out}, bias));
      g.writeByteArray(11, floatInput("x", "N", in));
      g.writeByteArray(12, floatInput("y", "N", out));
    });
    byte[] opset = message(o -> {
      o.writeString(1, "");
      o.writeInt64(2, OPSET);
    });
    return message(m -> {
      m.writeInt64(1, IR_VERSION);
      m.writeString(2, "kapu-example");
      m.writeByteArray(7, graph);
      m.writeByteArray(8, opset);
    });
  }

  private static byte[] node(String name, String op, String[] inputs, String output) {
    return message(n -> {
      for (String input : inputs) {
        n.writeString(1, input);
      }
      n.writeString(2, output);
      n.writeString(3, name);
      n.writeString(4, op);
    });
  }

  private static byte[] initializer(String name, long[] dims, float[] values) {
    ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    return message(t -> {
      for (long d : dims) {
        t.writeInt64(1, d);
      }
      t.writeInt32(2, FLOAT);
      t.writeString(8, name);
      t.writeByteArray(9, raw.array());
    });
  }

  /** A float tensor {@code [batch, width]} whose first dimension is symbolic. */
  private static byte[] floatInput(String name, String batch, int width) {
    byte[] shape = message(s -> {
      s.writeByteArray(1, message(d -> d.writeString(2, batch)));
      s.writeByteArray(1, message(d -> d.writeInt64(1, width)));
    });
    byte[] tensorType = message(t -> {
      t.writeInt32(1, FLOAT);
      t.writeByteArray(2, shape);
    });
    byte[] type = message(t -> t.writeByteArray(1, tensorType));
    return message(v -> {
      v.writeString(1, name);
      v.writeByteArray(2, type);
    });
  }

  private interface Fields {
    void write(CodedOutputStream out) throws IOException;
  }

  /** One encoded message; embedded messages are written as length-delimited bytes. */
  private static byte[] message(Fields fields) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      fields.write(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
