package dev.kapu.serial;

import static org.assertj.core.api.Assertions.assertThat;

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
