package dev.kapu.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultEnvelopeTest {
  private final CodecRegistry codecs = CodecRegistry.standard(SerialFilter.defaults());

  private List<ResultEnvelope.Entry> roundTrip(RemoteError... errors) {
    ResultEnvelope.Builder builder = ResultEnvelope.builder(codecs);
    builder.addValue("a value");
    for (RemoteError error : errors) {
      builder.addError(error);
    }
    return ResultEnvelope.decode(codecs, builder.encode().toByteArray());
  }

  @Test
  void anErrorKeepsItsCategoryAndItsCauses() {
    RemoteError sent = RemoteError.of(new IllegalStateException("statement on 'pg' failed",
        new RuntimeException("ERROR: relation \"nope\" does not exist")), ErrorCategory.UNKNOWN_NAME,
        "statement on 'pg' failed: ERROR: relation \"nope\" does not exist");
    List<ResultEnvelope.Entry> entries = roundTrip(sent, RemoteError.of(new ArithmeticException("/ by zero")));
    assertThat(entries.get(0).value()).isEqualTo("a value");
    RemoteError received = entries.get(1).error();
    assertThat(received.category()).isEqualTo(ErrorCategory.UNKNOWN_NAME);
    assertThat(received.message()).isEqualTo(sent.message());
    assertThat(received.className()).isEqualTo(IllegalStateException.class.getName());
    assertThat(received.cause().message()).isEqualTo("ERROR: relation \"nope\" does not exist");
    assertThat(received.cause().category()).isNull();
    assertThat(entries.get(2).error().category()).isNull();
    assertThat(entries.get(2).error().message()).isEqualTo("/ by zero");
  }

  @Test
  void aMapChunksRunTimeFollowsItsEntries() {
    ResultEnvelope.Builder builder = ResultEnvelope.builder(codecs);
    builder.addValue(1);
    builder.addError(RemoteError.of(new ArithmeticException("/ by zero")));
    ResultEnvelope.Decoded decoded = ResultEnvelope.decodeAll(codecs, builder.encode(123_456_789L).toByteArray());
    assertThat(decoded.runNanos()).isEqualTo(123_456_789L);
    assertThat(decoded.entries()).hasSize(2);
    assertThat(decoded.entries().get(0).value()).isEqualTo(1);
    assertThat(decoded.entries().get(1).error().message()).isEqualTo("/ by zero");
  }

  @Test
  void withoutARunTimeItIsUnknown() {
    ResultEnvelope.Builder builder = ResultEnvelope.builder(codecs);
    builder.addValue("v");
    assertThat(ResultEnvelope.decodeAll(codecs, builder.encode().toByteArray()).runNanos())
        .isEqualTo(ResultEnvelope.UNKNOWN);
  }

  /** A reader from before the run time reads the entries and stops: the run time goes after them. */
  @Test
  void theRunTimeIsWrittenAfterTheEntriesAsBefore() throws IOException {
    ResultEnvelope.Builder without = ResultEnvelope.builder(codecs);
    without.addValue("v");
    ResultEnvelope.Builder with = ResultEnvelope.builder(codecs);
    with.addValue("v");
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(without.encode().toByteArray());
    DataOutputStream out = new DataOutputStream(expected);
    out.writeByte(3);
    out.writeLong(42);
    assertThat(with.encode(42).toByteArray()).isEqualTo(expected.toByteArray());
  }

  @Test
  void anUnknownTrailerIsCorrupt() throws IOException {
    ResultEnvelope.Builder builder = ResultEnvelope.builder(codecs);
    builder.addValue("v");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(builder.encode().toByteArray());
    bytes.write(9);
    assertThatThrownBy(() -> ResultEnvelope.decodeAll(codecs, bytes.toByteArray()))
        .isInstanceOf(CodecException.class).hasMessage("corrupt result: trailer tag 9");
  }

  /** An error without a category is written exactly as before categories existed: version 1, tag 1. */
  @Test
  void anUncategorizedErrorIsWrittenAsBefore() throws IOException {
    RemoteError error = RemoteError.of(new ArithmeticException("/ by zero"));
    ResultEnvelope.Builder builder = ResultEnvelope.builder(codecs);
    builder.addError(error);
    byte[] encoded = builder.encode().toByteArray();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(expected);
    out.writeByte(1); // version
    out.writeInt(1);  // entries
    out.writeByte(1); // an error
    error.write(out);
    assertThat(encoded).isEqualTo(expected.toByteArray());
  }
}
