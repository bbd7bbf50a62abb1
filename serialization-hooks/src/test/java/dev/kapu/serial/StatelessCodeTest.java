package dev.kapu.serial;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class StatelessCodeTest {
  private final JavaSerializationCodec codec = new JavaSerializationCodec(SerialFilter.defaults(), null, "");

  private interface Code extends Supplier<Integer>, Serializable {}

  private static Code capturing(int n) {
    return () -> n + 1;
  }

  private byte[] encode(Object value) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    codec.write(value, new DataOutputStream(bytes));
    return bytes.toByteArray();
  }

  private Object decode(byte[] bytes) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    Object value = codec.read(in);
    assertThat(in.available()).as("the value's end marker is consumed").isZero();
    return value;
  }

  @Test
  void onlyALambdaThatCapturedNothingIsStateless() {
    Code none = () -> 1;
    assertThat(StatelessCode.isStateless(none.getClass())).isTrue();
    assertThat(StatelessCode.isStateless(capturing(1).getClass())).isFalse();
    assertThat(StatelessCode.isStateless(Integer.class)).isFalse();
  }

  @Test
  void aStatelessLambdaIsSerializedOnceAndDecodedOnce() throws IOException {
    Code none = () -> 41;
    byte[] first = encode(none);
    byte[] second = encode(none);
    assertThat(second).isEqualTo(first);
    Object a = decode(first);
    Object b = decode(second);
    assertThat(b).isSameAs(a);
    assertThat(((Code) a).get()).isEqualTo(41);
  }

  @Test
  void aCapturingLambdaIsDecodedEachTimeWithWhatItCaptured() throws IOException {
    Object one = decode(encode(capturing(1)));
    Object oneAgain = decode(encode(capturing(1)));
    Object two = decode(encode(capturing(2)));
    assertThat(oneAgain).isNotSameAs(one);
    assertThat(((Code) one).get()).isEqualTo(2);
    assertThat(((Code) two).get()).isEqualTo(3);
  }

  @Test
  void aValueInManyFramesIsReadAsTheyCome() throws IOException {
    byte[] large = new byte[200_000]; // several 64 KiB frames; the first is past the whole-read size
    large[large.length - 1] = 7;
    Code big = () -> (int) large[large.length - 1];
    assertThat(((Code) decode(encode(big))).get()).isEqualTo(7);
  }

  /** Another writer may cut a value into small frames: the first is read whole, the rest streamed. */
  @Test
  void aSmallFirstFrameFollowedByOthersIsReadToo() throws IOException {
    ByteArrayOutputStream serialized = new ByteArrayOutputStream();
    try (ObjectOutputStream oos = new ObjectOutputStream(serialized)) {
      oos.writeObject("a string in small frames");
    }
    byte[] all = serialized.toByteArray();
    ByteArrayOutputStream framed = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(framed);
    for (int off = 0; off < all.length; off += 10) {
      int n = Math.min(10, all.length - off);
      out.writeInt(n);
      out.write(all, off, n);
    }
    out.writeInt(0);
    assertThat(decode(framed.toByteArray())).isEqualTo("a string in small frames");
  }
}
