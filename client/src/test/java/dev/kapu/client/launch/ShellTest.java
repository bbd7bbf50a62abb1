package dev.kapu.client.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ShellTest {
  /** Words a shell would otherwise split, expand, glob or end early on. */
  private static final List<String> AWKWARD = List.of("", " ", "two words", "it's", "'", "''", "\"quoted\"",
      "$HOME", "${PATH}", "$(id)", "`id`", "a\nb", "tab\there", "back\\slash", "*", "?", "[ab]", "~", "a;b",
      "a|b", "a&b", "<in", ">out", "#comment", "!", "-n", "--opt=x y", "é ü 日本", "trailing\n");

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "plain, plain",
      "-Xmx4g, -Xmx4g",
      "/opt/java/bin/java, /opt/java/bin/java",
      "'a=b,c+d@e%f:g', 'a=b,c+d@e%f:g'",
  })
  void safeWordsStayAsTheyAre(String word, String quoted) {
    assertThat(Shell.quote(word)).isEqualTo(quoted);
  }

  @Test
  void everythingElseIsSingleQuoted() {
    assertThat(Shell.quote("")).isEqualTo("''");
    assertThat(Shell.quote("two words")).isEqualTo("'two words'");
    assertThat(Shell.quote("$HOME")).isEqualTo("'$HOME'");
    assertThat(Shell.quote("\"x\"")).isEqualTo("'\"x\"'");
    assertThat(Shell.quote("a\nb")).isEqualTo("'a\nb'");
    assertThat(Shell.quote("it's")).isEqualTo("'it'\\''s'");
    assertThat(Shell.quote("'")).isEqualTo("''\\'''");
  }

  @Test
  void joinQuotesEachWord() {
    assertThat(Shell.join(List.of("java", "-cp", "a b", ""))).isEqualTo("java -cp 'a b' ''");
    assertThat(Shell.join(List.of())).isEmpty();
  }

  /** The real test: /bin/sh reads every quoted word back as exactly the word. */
  @Test
  void aPosixShellReadsEveryWordBackUnchanged() throws IOException, InterruptedException {
    List<String> words = new ArrayList<>(AWKWARD);
    words.add(String.join("", AWKWARD));
    Process sh = new ProcessBuilder("/bin/sh", "-c", "printf '%s\\0' " + Shell.join(words))
        .redirectErrorStream(true).start();
    byte[] out = sh.getInputStream().readAllBytes();
    assertThat(sh.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(sh.exitValue()).isZero();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(text).endsWith("\0");
    assertThat(Arrays.asList(text.substring(0, text.length() - 1).split("\0", -1))).isEqualTo(words);
  }
}
