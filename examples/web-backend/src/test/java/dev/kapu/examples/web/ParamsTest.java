package dev.kapu.examples.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ParamsTest {
  private static Params of(String pathAndQuery) {
    return Params.of(URI.create("http://localhost" + pathAndQuery));
  }

  @Test
  void readsDecodedValues() {
    Params params = of("/slow?ms=20&id=a%20b&empty=");
    assertThat(params.integer("ms", 0, 100)).isEqualTo(20);
    assertThat(params.text("id", 10)).hasValue("a b");
    assertThat(params.text("empty", 10)).hasValue("");
    assertThat(params.text("absent", 10)).isEmpty();
  }

  @Test
  void saysWhatWasExpected() {
    assertThatThrownBy(() -> of("/fib").integer("n", 0, 92))
        .isInstanceOf(BadRequestException.class).hasMessage("missing parameter 'n': an integer from 0 to 92");
    assertThatThrownBy(() -> of("/fib?n=").integer("n", 0, 92))
        .hasMessage("missing parameter 'n': an integer from 0 to 92");
    assertThatThrownBy(() -> of("/fib?n=1.5").integer("n", 0, 92))
        .hasMessage("parameter 'n' must be an integer from 0 to 92, not '1.5'");
    assertThatThrownBy(() -> of("/fib?n=99999999999").integer("n", 0, 92))
        .hasMessage("parameter 'n' must be an integer from 0 to 92, not '99999999999'");
    assertThatThrownBy(() -> of("/fib?n=-1").integer("n", 0, 92))
        .hasMessage("parameter 'n' must be an integer from 0 to 92, not -1");
    assertThatThrownBy(() -> of("/slow?id=abcdef").text("id", 3))
        .hasMessage("parameter 'id' must be at most 3 characters long, not 6");
  }

  @Test
  void refusesRepeatedParameters() {
    assertThatThrownBy(() -> of("/fib?n=1&n=2"))
        .isInstanceOf(BadRequestException.class).hasMessage("parameter 'n' is given more than once");
  }
}
