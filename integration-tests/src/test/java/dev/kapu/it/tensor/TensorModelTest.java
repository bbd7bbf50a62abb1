package dev.kapu.it.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.kapu.api.MapException;
import dev.kapu.api.MapOptions;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.ResourceSpec;
import dev.kapu.api.TaskContext;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.serial.CodecException;
import dev.kapu.serial.CodecRegistry;
import dev.kapu.serial.SerialFilter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worked example of issue 3, point 6: a user tensor type with its own codec, and an ONNX
 * model kept loaded in daemon processes as a hosted resource, serving inference tasks.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TensorModelTest {
  private static final int IN = 4;
  private static final int OUT = 3;

  @TempDir static Path dir;
  private static LinearOnnxModel linear;
  private static OnnxModel reference;
  private static LocalKapu kapu;

  @BeforeAll
  static void start() throws Exception {
    linear = new LinearOnnxModel(
        new float[][] {
          {0.5f, -1.0f, 2.0f},
          {1.5f, 0.25f, -0.5f},
          {-2.0f, 1.0f, 0.75f},
          {0.125f, 3.0f, 1.0f},
        },
        new float[] {0.1f, -0.2f, 0.3f});
    Path file = linear.writeTo(dir.resolve("linear.onnx"));
    reference = OnnxModel.load(file, 1); // the same model, run in this JVM
    kapu = Kapu.builder()
        .daemons(2)
        .slots(2)
        .resource(ResourceSpec.replicated("model", ModelKind.NAME, Map.of("path", file.toString())))
        .local();
  }

  @AfterAll
  static void stop() throws Exception {
    if (kapu != null) {
      kapu.close();
    }
    if (reference != null) {
      reference.close();
    }
  }

  private static final TaskOptions ON_MODEL = TaskOptions.on("model");

  /** The inference function that travels to the daemons: it captures nothing. */
  private static Tensor infer(Tensor x) throws Exception {
    return TaskContext.current().resource("model", OnnxModel.class).predict(x);
  }

  private static List<Tensor> batches(int count, long seed) {
    Random random = new Random(seed);
    List<Tensor> xs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int rows = 1 + random.nextInt(5);
      float[] data = new float[rows * IN];
      for (int j = 0; j < data.length; j++) {
        data[j] = (float) random.nextGaussian();
      }
      xs.add(Tensor.of(new int[] {rows, IN}, data));
    }
    return xs;
  }

  private static <T> T await(java.util.concurrent.Future<T> future) throws Exception {
    return future.get(60, TimeUnit.SECONDS);
  }

  @Test
  void theModelFileIsValidOnnxWithTheDeclaredSignature() throws Exception {
    assertThat(reference.signature()).isEqualTo("x[-1, 4] -> y[-1, 3]");
    Tensor x = Tensor.of(new int[] {1, IN}, 1, 2, 3, 4);
    // 1*0.5 + 2*1.5 + 3*-2 + 4*0.125 + 0.1 = -1.9, and so on
    assertThat(reference.predict(x).data()).containsExactly(new float[] {-1.9f, 14.3f, 7.55f}, within(1e-5f));
  }

  @Test
  void tensorsGoToTheDaemonsAndPredictionsComeBackRight() throws Exception {
    List<Tensor> xs = batches(40, 42);
    List<Tensor> ys = await(kapu.map(xs, TensorModelTest::infer,
        MapOptions.DEFAULT.withTask(ON_MODEL).withChunkSize(3)));
    assertThat(ys).hasSize(xs.size());
    for (int i = 0; i < xs.size(); i++) {
      Tensor x = xs.get(i);
      Tensor y = ys.get(i);
      assertThat(y).isInstanceOf(Tensor.class);
      assertThat(y.shape()).containsExactly(x.shape()[0], OUT);
      // Same ONNX Runtime, same model, same input: the daemon's answer is this JVM's, bit for bit,
      assertThat(y).isEqualTo(reference.predict(x));
      // and it is what the model means, computed in plain Java.
      assertThat(y.data()).containsExactly(linear.apply(x).data(), within(1e-4f));
    }
  }

  @Test
  void eachDaemonLoadsTheModelOnceAndEveryTaskSharesIt() throws Exception {
    List<Integer> items = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      items.add(i);
    }
    List<String> seen = await(kapu.map(items,
        i -> TaskContext.current().daemonId() + "=" + TaskContext.current().resource("model", OnnxModel.class).loadId(),
        MapOptions.DEFAULT.withTask(ON_MODEL).withChunkSize(1)));
    Map<String, Set<String>> loadsByDaemon = new HashMap<>();
    for (String s : seen) {
      String[] parts = s.split("=", 2);
      loadsByDaemon.computeIfAbsent(parts[0], k -> new HashSet<>()).add(parts[1]);
    }
    assertThat(loadsByDaemon.keySet()).containsExactlyInAnyOrder("local-1", "local-2");
    assertThat(loadsByDaemon.values()).allSatisfy(loads -> assertThat(loads).hasSize(1));
  }

  @Test
  void tensorsCrossOnlyThroughTheirCodec() throws Exception {
    // Not Serializable, so Java serialization could not have carried it: the codec did.
    assertThat(Serializable.class.isAssignableFrom(Tensor.class)).isFalse();
    CodecRegistry registry = CodecRegistry.standard(SerialFilter.defaults());
    assertThat(registry.codecFor(Tensor.class)).isInstanceOf(TensorCodec.class);
    assertThat(registry.byId(TensorCodec.ID)).containsInstanceOf(TensorCodec.class);

    // A task that builds a tensor on the daemon (from a captured float[], which Java
    // serialization may carry) and returns the prediction: the result comes back by the codec.
    float[] row = {1, 2, 3, 4};
    Tensor y = await(kapu.submit(ctx -> ctx.resource("model", OnnxModel.class)
        .predict(Tensor.of(new int[] {1, row.length}, row)), ON_MODEL));
    assertThat(y).isEqualTo(reference.predict(Tensor.of(new int[] {1, IN}, row)));

    // A big tensor round-trips too (several 64 KiB blocks each way).
    float[] big = new float[100_000 * IN];
    for (int i = 0; i < big.length; i++) {
      big[i] = (i % 97) / 10f;
    }
    Tensor x = Tensor.of(new int[] {100_000, IN}, big);
    List<Tensor> ys = await(kapu.map(List.of(x), TensorModelTest::infer, MapOptions.DEFAULT.withTask(ON_MODEL)));
    assertThat(ys.get(0)).isEqualTo(reference.predict(x));
  }

  @Test
  void capturingATensorIsRefusedBecauseCapturesTravelByJavaSerialization() {
    Tensor x = Tensor.of(new int[] {1, IN}, 1, 2, 3, 4);
    assertThatThrownBy(() -> kapu.submit(ctx -> ctx.resource("model", OnnxModel.class).predict(x), ON_MODEL))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining(Tensor.class.getName())
        .hasMessageContaining("not Serializable");
  }

  @Test
  void aMalformedTensorIsACodecErrorOnEitherSideAndTheDaemonsKeepServing() throws Exception {
    // Client side: the item cannot be encoded.
    Tensor bad = new Tensor(new int[] {2, IN}, new float[7]);
    assertThatThrownBy(() -> await(kapu.map(List.of(bad), TensorModelTest::infer, MapOptions.DEFAULT.withTask(ON_MODEL))))
        .cause()
        .isInstanceOf(MapException.class)
        .satisfies(e -> assertThat(((MapException) e).failures().get(0))
            .isInstanceOf(CodecException.class)
            .hasMessageContaining("codec '" + TensorCodec.ID + "'")
            .hasMessageContaining("shape [2, 4] holds 8 values but its data has 7"));

    // Daemon side: the result cannot be encoded; the caller hears which codec and why.
    var failing = kapu.submit(ctx -> new Tensor(new int[] {3}, new float[2]), ON_MODEL);
    assertThatThrownBy(() -> await(failing))
        .cause()
        .isInstanceOf(RemoteTaskException.class)
        .hasMessageContaining(TensorCodec.ID)
        .hasMessageContaining("shape [3] holds 3 values but its data has 2");

    // Both daemons still serve inference.
    List<Tensor> xs = batches(8, 7);
    List<Tensor> ys = await(kapu.map(xs, TensorModelTest::infer,
        MapOptions.DEFAULT.withTask(ON_MODEL).withChunkSize(1)));
    for (int i = 0; i < xs.size(); i++) {
      assertThat(ys.get(i)).isEqualTo(reference.predict(xs.get(i)));
    }
    assertThat(kapu.status().daemons()).hasSize(2);
  }

  @Test
  void corruptBytesAreRefusedBeforeTheDataIsAllocated() throws Exception {
    CodecRegistry registry = CodecRegistry.standard(SerialFilter.defaults());
    // A value stream as the registry writes it: tag 1, the codec id, then the codec's bytes.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeUTF(TensorCodec.ID);
      out.writeByte(2); // rank
      out.writeInt(1 << 20);
      out.writeInt(1 << 20); // 2^40 values
      out.writeInt(0);
    }
    assertThatThrownBy(() -> registry.reader(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))).read())
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("codec '" + TensorCodec.ID + "'")
        .hasMessageContaining("failed to decode")
        .hasMessageContaining("holds more than");

    // And a good tensor survives the registry's writer and reader unchanged.
    Tensor x = Tensor.of(new int[] {2, 0, 3});
    Tensor scalar = Tensor.of(new int[] {}, 2.5f);
    Tensor odd = Tensor.of(new int[] {1, 3}, Float.NaN, -0.0f, Float.MIN_VALUE);
    ByteArrayOutputStream good = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(good)) {
      CodecRegistry.ValueWriter writer = registry.writer(out);
      writer.write(x);
      writer.write(scalar);
      writer.write(odd);
    }
    CodecRegistry.ValueReader reader = registry.reader(new DataInputStream(new ByteArrayInputStream(good.toByteArray())));
    assertThat(reader.read()).isEqualTo(x);
    assertThat(reader.read()).isEqualTo(scalar);
    assertThat(reader.read()).isEqualTo(odd);
  }

  @Test
  void aModelIsNotADatabaseAndABadPathNamesTheResource() {
    assertThatThrownBy(() -> kapu.query("model", "SELECT 1"))
        .isInstanceOf(RemoteTaskException.class)
        .hasMessageContaining("is a model, not a database");
    var wrongType = kapu.submit(ctx -> ctx.resource("model", java.sql.Connection.class).isClosed(), ON_MODEL);
    assertThatThrownBy(() -> await(wrongType))
        .cause()
        .isInstanceOf(RemoteTaskException.class)
        .hasMessageContaining("offers " + OnnxModel.class.getName() + ", not java.sql.Connection");
    Path missing = dir.resolve("missing.onnx");
    assertThatThrownBy(() -> Kapu.builder()
            .resource(ResourceSpec.replicated("broken", ModelKind.NAME, Map.of("path", missing.toString())))
            .local())
        .hasMessageContaining("resource 'broken' (example-model) failed to open")
        .hasMessageContaining("no readable ONNX model");
  }
}
