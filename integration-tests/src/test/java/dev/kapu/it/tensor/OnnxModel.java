package dev.kapu.it.tensor;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An ONNX model loaded once, with one float input and one float output, that many threads use at
 * once: what a daemon hosts for the {@code example-model} resource kind ({@link ModelKind}).
 *
 * <p>Thread safety: ONNX Runtime allows concurrent {@code OrtSession.run} calls on one session,
 * so {@link #predict} takes no exclusive lock. Closing a session while a run is in flight is not
 * safe, so runs hold a read lock and {@link #close} takes the write lock.
 */
public final class OnnxModel implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String input;
  private final String output;
  private final String loadId = UUID.randomUUID().toString();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  private OnnxModel(OrtEnvironment env, OrtSession session, String input, String output) {
    this.env = env;
    this.session = session;
    this.input = input;
    this.output = output;
  }

  /**
   * Loads {@code file}. {@code threads} is ONNX Runtime's intra-op thread count per run; 1 runs
   * each inference on the calling task's thread, which suits a daemon running several tasks.
   */
  public static OnnxModel load(Path file, int threads) throws OrtException {
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("no readable ONNX model at " + file);
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment(); // one per JVM, closed at JVM exit
    OrtSession session;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      session = env.createSession(file.toString(), options);
    }
    try {
      String input = onlyFloatTensor("input", session.getInputInfo());
      String output = onlyFloatTensor("output", session.getOutputInfo());
      return new OnnxModel(env, session, input, output);
    } catch (RuntimeException | OrtException e) {
      session.close();
      throw e;
    }
  }

  private static String onlyFloatTensor(String what, Map<String, NodeInfo> nodes) {
    if (nodes.size() != 1) {
      throw new IllegalArgumentException("this example serves models with one " + what + ", not " + nodes.keySet());
    }
    NodeInfo node = nodes.values().iterator().next();
    if (!(node.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT) {
      throw new IllegalArgumentException("the model's " + what + " '" + node.getName()
          + "' is not a float tensor: " + node.getInfo());
    }
    return node.getName();
  }

  /** Runs the model on {@code x}; safe to call from many threads at once. */
  public Tensor predict(Tensor x) throws OrtException {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the model is closed");
      }
      try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.data()), x.longShape());
          OrtSession.Result result = session.run(Map.of(input, in))) {
        OnnxValue value = result.get(0);
        OnnxTensor y = (OnnxTensor) value;
        long[] shape = y.getInfo().getShape();
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
          dims[i] = Math.toIntExact(shape[i]);
        }
        FloatBuffer values = y.getFloatBuffer();
        float[] data = new float[values.remaining()];
        values.get(data);
        return Tensor.of(dims, data);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Differs for every load: tasks that see the same value used the same loaded model. */
  public String loadId() {
    return loadId;
  }

  /** The input and output, for messages: {@code x[-1, 4] -> y[-1, 3]}. */
  public String signature() throws OrtException {
    return describe(session.getInputInfo().get(input)) + " -> " + describe(session.getOutputInfo().get(output));
  }

  private static String describe(NodeInfo node) {
    return node.getName() + java.util.Arrays.toString(((TensorInfo) node.getInfo()).getShape());
  }

  @Override
  public void close() throws OrtException {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        session.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
