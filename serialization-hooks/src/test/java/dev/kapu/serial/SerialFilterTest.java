package dev.kapu.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Serializable;
import java.util.List;
import org.apache.commons.collections.functors.StandInTransformer;
import org.junit.jupiter.api.Test;

/** What the filter lets through: application code and the listed JDK types, never a known gadget. */
class SerialFilterTest {
  /** A class of the application's own, in a package no pattern names. */
  record Order(String item, int count) implements Serializable {}

  private final CodecRegistry codecs = CodecRegistry.standard(SerialFilter.defaults());

  @Test
  void applicationClassesInAnyPackagePassWithNoPattern() {
    assertThat(SerialFilter.isApplicationCode(Order.class)).isTrue();
    assertThat(SerialFilter.isApplicationCode(String.class)).isFalse();
    Object decoded = roundTrip(codecs, List.of(new Order("tea", 2)));
    assertThat(decoded).isEqualTo(List.of(new Order("tea", 2)));
  }

  @Test
  void aKnownGadgetIsRefusedWithAClearMessageEvenWhenAPatternAllowsIt() {
    CodecRegistry allowing = CodecRegistry.standard(
        SerialFilter.withDefaults(List.of("org.apache.commons.collections.**")));
    for (CodecRegistry registry : List.of(codecs, allowing)) {
      assertThatThrownBy(() -> roundTrip(registry, List.of(new StandInTransformer())))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("refused to deserialize a org.apache.commons.collections.functors.StandInTransformer")
          .hasMessageContaining("known deserialization exploit chain");
    }
    assertThat(SerialFilter.isKnownGadget(StandInTransformer.class)).isTrue();
    assertThat(SerialFilter.isKnownGadget(Order.class)).isFalse();
  }

  private static Object roundTrip(CodecRegistry codecs, Object value) {
    ResultEnvelope.Builder result = ResultEnvelope.builder(codecs);
    result.addValue(value);
    return ResultEnvelope.decode(codecs, result.encode().toByteArray()).get(0).value();
  }
}
