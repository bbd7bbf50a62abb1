package dev.kapu.client.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsTest {

  private static Settings of(String key, String value) {
    return new Settings("slurm", Map.of(key, value));
  }

  @Test
  void valuesAreStrippedAndBlankMeansAbsent() {
    Settings s = new Settings("ssh", Map.of("hosts", "  a  ", "user", "   "));
    assertThat(s.get("hosts")).isEqualTo("a");
    assertThat(s.get("user")).isNull();
    assertThat(s.get("missing")).isNull();
    assertThat(s.integer("missing")).isNull();
    assertThat(s.duration("missing")).isNull();
  }

  @Test
  void wholeNumbers() {
    assertThat(of("port", " 2222 ").integer("port")).isEqualTo(2222);
    assertThat(of("port", "-1").integer("port")).isEqualTo(-1);
    assertThatThrownBy(() -> of("port", "22.5").integer("port"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slurm launcher: port must be a whole number, not '22.5'");
  }

  @ParameterizedTest(name = "''{0}'' is {1}")
  @CsvSource({
      "90, PT1M30S",
      "0, PT0S",
      "PT1H, PT1H",
      "pt15m, PT15M",
      "P1D, PT24H",
  })
  void durationsAreSecondsOrIso8601(String text, Duration expected) {
    assertThat(of("time", text).duration("time")).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"1h", "1.5", "PT", "soon"})
  void otherDurationsAreRefusedWithTheKeyAndValue(String text) {
    assertThatThrownBy(() -> of("time", text).duration("time"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("slurm launcher: time must be seconds or an ISO-8601 duration (PT1H), not '" + text + "'");
  }

  @Test
  void listsDropEmptyItemsAndSpaces() {
    assertThat(of("hosts", " a, b ,,c ,").list("hosts", ",")).containsExactly("a", "b", "c");
    assertThat(of("options", "--mem=4G  --gres=gpu:1").list("options", "\\s+"))
        .containsExactly("--mem=4G", "--gres=gpu:1");
    assertThat(of("hosts", " ").list("hosts", ",")).isEmpty();
    assertThat(new Settings("ssh", Map.of()).list("hosts", ",")).isEmpty();
  }

  @Test
  void aConfigFilesListArrivesOneItemALine() {
    assertThat(of("hosts", "a\nb, c").list("hosts", ",")).containsExactly("a", "b", "c");
    assertThat(of("options", "StrictHostKeyChecking=no\nConnectTimeout=5").list("options", ";"))
        .containsExactly("StrictHostKeyChecking=no", "ConnectTimeout=5");
  }

  @Test
  void unknownKeysAreRefusedInOrderOnceTheKnownOnesAreRead() {
    Settings s = new Settings("ssh", Map.of("hosts", "a", "zone", "x", "colour", "y"));
    s.get("hosts");
    assertThatThrownBy(s::done)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ssh launcher: unknown setting(s) [colour, zone]");
  }

  @Test
  void everyKeyReadIsKnownEvenIfBlankOrInvalid() {
    Settings s = new Settings("ssh", Map.of("hosts", "a", "user", " ", "port", "x"));
    s.get("hosts");
    s.get("user");
    assertThatThrownBy(() -> s.integer("port")).isInstanceOf(IllegalArgumentException.class);
    s.done();
  }
}
