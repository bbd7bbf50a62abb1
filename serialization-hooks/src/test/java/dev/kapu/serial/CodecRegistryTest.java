package dev.kapu.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class CodecRegistryTest {
  private final CodecRegistry codecs = CodecRegistry.standard(SerialFilter.defaults());

  private Object roundTrip(CodecRegistry registry, Object value) {
    ResultEnvelope.Builder out = ResultEnvelope.builder(registry);
    assertThat(out.addValue(value)).isNull();
    ResultEnvelope.Entry entry = ResultEnvelope.decode(registry, out.encode().toByteArray()).get(0);
    assertThat(entry.failed()).as("%s", entry.error()).isFalse();
    return entry.value();
  }

  @Test
  void builtInValuesRoundTripWithoutJavaSerialization() {
    String big = "ü".repeat(100_000); // beyond writeUTF's 64 KiB
    for (Object v : List.of(42, 7L, 1.5d, 2.5f, (short) 3, (byte) 4, 'x', true, big)) {
      assertThat(roundTrip(codecs, v)).isEqualTo(v);
    }
    assertThat((byte[]) roundTrip(codecs, new byte[] {1, 2, 3})).containsExactly(1, 2, 3);
    assertThat(roundTrip(codecs, null)).isNull();
    assertThat(codecs.codecFor(Integer.class).id()).isEqualTo("kapu.int");
  }

  @Test
  void jdkValueTypesGoThroughTheGuardedJavaSerialization() {
    Object v = new ArrayList<>(List.of(Map.of("a", BigDecimal.ONE), Instant.EPOCH, new int[] {1, 2}));
    Object back = roundTrip(codecs, v);
    assertThat(back).isInstanceOf(ArrayList.class);
    assertThat(((List<?>) back).get(0)).isEqualTo(Map.of("a", BigDecimal.ONE));
    assertThat((int[]) ((List<?>) back).get(2)).containsExactly(1, 2);
  }

  /** Off the default allow-list: it lives outside dev.kapu and the JDK's value packages. */
  @Test
  void aClassOffTheAllowListIsRefusedWithAPatternToAddIt() {
    Object offList = new java.awt.Point(1, 2);
    ResultEnvelope.Builder out = ResultEnvelope.builder(codecs);
    out.addValue(offList);
    byte[] bytes = out.encode().toByteArray();
    assertThatThrownBy(() -> ResultEnvelope.decode(codecs, bytes))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("java.awt.Point is not on the deserialization allow-list")
        .hasMessageContaining("'java.awt.**'");
    CodecRegistry allowing = CodecRegistry.standard(SerialFilter.withDefaults(List.of("java.awt.Point")));
    assertThat(ResultEnvelope.decode(allowing, bytes).get(0).value()).isEqualTo(offList);
  }

  @Test
  void aLambdaTravelsWithWhatItCaptures() {
    int captured = 20;
    Supplier<Integer> task = (Supplier<Integer> & Serializable) () -> captured + 22;
    byte[] bytes = TaskEnvelope.call(task, 1, 2).encode(codecs).toByteArray();
    TaskEnvelope back = TaskEnvelope.decode(codecs, bytes);
    @SuppressWarnings("unchecked")
    Supplier<Integer> decoded = (Supplier<Integer>) back.code();
    assertThat(decoded.get()).isEqualTo(42);
    assertThat(back.seed()).isEqualTo(1);
    assertThat(back.sequence()).isEqualTo(2);
  }

  @Test
  void theCodeAnEnvelopeNamesIsReadWithoutDecodingItsTask() {
    Supplier<Integer> task = (Supplier<Integer> & Serializable) () -> 42;
    String codeId = "f".repeat(64);
    CodecRegistry shipped = CodecRegistry.builder().codeId(codeId).build();
    byte[] bytes = TaskEnvelope.call(task, 1, 2).encode(shipped).toByteArray();
    // the header alone, the task cut off: it names the code, and the task does not decode
    byte[] header = java.util.Arrays.copyOf(bytes, 1 + 1 + 3 * Long.BYTES + 2 + codeId.length());
    assertThat(TaskEnvelope.header(header)).isEqualTo(new TaskEnvelope.Header(false, codeId));
    assertThatThrownBy(() -> TaskEnvelope.decode(shipped, header)).isInstanceOf(CodecException.class);
    assertThat(TaskEnvelope.header(TaskEnvelope.call(task, 1, 2).encode(codecs).toByteArray()).codeId()).isEmpty();
    assertThatThrownBy(() -> TaskEnvelope.header(new byte[] {9, 9})).isInstanceOf(CodecException.class)
        .hasMessageContaining("version 9");
  }

  @Test
  void aMapChunkCarriesItsItemsWithEachCodecNamedOnce() {
    Serializable fn = (java.util.function.Function<Integer, Integer> & Serializable) x -> x;
    List<Integer> items = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      items.add(i);
    }
    byte[] bytes = TaskEnvelope.map(fn, items, 0, 1, 5000).encode(codecs).toByteArray();
    TaskEnvelope back = TaskEnvelope.decode(codecs, bytes);
    assertThat(back.items()).isEqualTo(items);
    assertThat(back.firstIndex()).isEqualTo(5000);
    // 1000 ints: about a tag and four bytes each, not the codec id each time.
    assertThat(bytes.length).isLessThan(1000 * 6 + 2000);
  }

  record Celsius(double degrees) {}

  static final class CelsiusCodec implements Codec<Celsius> {
    @Override
    public String id() {
      return "test.celsius";
    }

    @Override
    public Class<Celsius> type() {
      return Celsius.class;
    }

    @Override
    public void write(Celsius value, DataOutput out) throws IOException {
      if (Double.isNaN(value.degrees())) {
        throw new IOException("no temperature");
      }
      out.writeDouble(value.degrees());
    }

    @Override
    public Celsius read(DataInput in) throws IOException {
      double d = in.readDouble();
      if (d < -273.15) {
        throw new IOException("below absolute zero");
      }
      return new Celsius(d);
    }
  }

  @Test
  void aUserCodecIsUsedAndItsFailuresNameIt() {
    CodecRegistry registry = CodecRegistry.builder().register(new CelsiusCodec()).build();
    assertThat(roundTrip(registry, new Celsius(21.5))).isEqualTo(new Celsius(21.5));

    ResultEnvelope.Builder out = ResultEnvelope.builder(registry);
    RemoteError failed = out.addValue(new Celsius(Double.NaN));
    assertThat(failed.className()).isEqualTo(CodecException.class.getName());
    assertThat(failed.message()).contains("codec 'test.celsius'").contains("no temperature");
    out.addValue(new Celsius(3)); // the failure left nothing behind: later values still decode
    List<ResultEnvelope.Entry> entries = ResultEnvelope.decode(registry, out.encode().toByteArray());
    assertThat(entries).hasSize(2);
    assertThat(entries.get(0).failed()).isTrue();
    assertThat(entries.get(1).value()).isEqualTo(new Celsius(3));

    ResultEnvelope.Builder cold = ResultEnvelope.builder(registry);
    cold.addValue(new Celsius(-300));
    assertThatThrownBy(() -> ResultEnvelope.decode(registry, cold.encode().toByteArray()))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("codec 'test.celsius'")
        .hasMessageContaining("failed to decode")
        .hasMessageContaining("below absolute zero");
  }

  @Test
  void aValueWhoseCodecThisSideLacksIsAClearError() {
    CodecRegistry writer = CodecRegistry.builder().register(new CelsiusCodec()).build();
    ResultEnvelope.Builder out = ResultEnvelope.builder(writer);
    out.addValue(new Celsius(1));
    assertThatThrownBy(() -> ResultEnvelope.decode(codecs, out.encode().toByteArray()))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("no codec with id 'test.celsius'");
  }

  @Test
  void codecsListedForServiceLoaderAreDiscovered() {
    CodecRegistry discovered = CodecRegistry.builder().discover().build();
    assertThat(discovered.byId("test.discovered")).isPresent();
    assertThat(roundTrip(discovered, new DiscoveredCodec.Money(1999))).isEqualTo(new DiscoveredCodec.Money(1999));
  }

  @Test
  void twoCodecsMayNotShareAnId() {
    Codec<String> impostor = new Codec<>() {
      @Override
      public String id() {
        return "test.celsius";
      }

      @Override
      public Class<String> type() {
        return String.class;
      }

      @Override
      public void write(String value, DataOutput out) {}

      @Override
      public String read(DataInput in) {
        return "";
      }
    };
    assertThatThrownBy(() -> CodecRegistry.builder().register(new CelsiusCodec()).register(impostor))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("test.celsius");
  }

  @Test
  void aNonSerializableValueWithoutACodecSaysWhatToDo() {
    assertThatThrownBy(() -> codecs.codecFor(Thread.class))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("java.lang.Thread")
        .hasMessageContaining("register a Codec");
  }

  /** Reads encoded bytes back chunk by chunk, as a stream receiver would. */
  private static InputStream stream(EncodedBytes bytes) {
    List<InputStream> parts = new ArrayList<>();
    for (ByteBuffer chunk : bytes.chunks()) {
      byte[] copy = new byte[chunk.remaining()];
      chunk.get(copy);
      parts.add(new ByteArrayInputStream(copy));
    }
    return new SequenceInputStream(Collections.enumeration(parts));
  }

  /** Writes {@code size} bytes of a pattern, then fails if the value says so. */
  record Blob(int size, boolean fail) {}

  static final class BlobCodec implements Codec<Blob> {
    @Override
    public String id() {
      return "test.blob";
    }

    @Override
    public Class<Blob> type() {
      return Blob.class;
    }

    @Override
    public void write(Blob value, DataOutput out) throws IOException {
      out.writeInt(value.size());
      for (int i = 0; i < value.size(); i++) {
        out.writeByte(i * 31);
      }
      if (value.fail()) {
        throw new IOException("gave up after " + value.size() + " bytes");
      }
    }

    @Override
    public Blob read(DataInput in) throws IOException {
      int size = in.readInt();
      for (int i = 0; i < size; i++) {
        if (in.readByte() != (byte) (i * 31)) {
          throw new IOException("byte " + i + " is wrong");
        }
      }
      return new Blob(size, false);
    }
  }

  @Test
  void largeEnvelopesAreHeldInBoundedChunksAndAFailedValueIsCutBackAcrossThem() {
    CodecRegistry registry = CodecRegistry.builder().register(new BlobCodec()).build();
    ResultEnvelope.Builder out = ResultEnvelope.builder(registry);
    assertThat(out.addValue(new Blob(3_000_000, false))).isNull();
    RemoteError failed = out.addValue(new Blob(9_000_000, true)); // crosses two chunk boundaries
    assertThat(failed.message()).contains("codec 'test.blob'").contains("gave up after 9000000 bytes");
    assertThat(out.addValue(new Blob(5_000_000, false))).isNull();
    EncodedBytes bytes = out.encode();
    assertThat(bytes.size()).isBetween(8_000_000L, 8_100_000L);
    assertThat(bytes.chunks()).hasSize(2).allSatisfy(c -> assertThat(c.remaining()).isLessThanOrEqualTo(4 << 20));
    List<ResultEnvelope.Entry> entries = ResultEnvelope.decode(registry, stream(bytes));
    assertThat(entries).extracting(ResultEnvelope.Entry::value)
        .containsExactly(new Blob(3_000_000, false), null, new Blob(5_000_000, false));
    assertThat(entries.get(1).failed()).isTrue();
  }

  @Test
  void capturedValuesAreJavaSerializedInFramesAndReadFromAStream() {
    byte[] big = new byte[10_000_000];
    new java.util.Random(7).nextBytes(big);
    Supplier<Integer> task = (Supplier<Integer> & Serializable) () -> java.util.Arrays.hashCode(big);
    EncodedBytes bytes = TaskEnvelope.map(task, List.of("after", 1), 3, 4, 0).encode(codecs);
    TaskEnvelope back = TaskEnvelope.decode(codecs, stream(bytes));
    @SuppressWarnings("unchecked")
    Supplier<Integer> decoded = (Supplier<Integer>) back.code();
    assertThat(decoded.get()).isEqualTo(java.util.Arrays.hashCode(big));
    assertThat(back.items()).isEqualTo(List.of("after", 1)); // the frames' end was found exactly
  }
}
