package dev.kapu.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A run of Debian's {@code wrk} with the example's script ({@code wrk/check.lua}), which checks
 * every response body; its {@code done()} prints {@code key=value} lines, read here.
 *
 * @param output everything wrk printed, for the test's log
 * @param values the {@code key=value} lines
 */
record Wrk(String output, Map<String, String> values) {
  static final Path SCRIPT = Path.of("wrk", "check.lua").toAbsolutePath();

  /** {@code connections} connections on two threads for {@code seconds}, requests from the script's {@code mix}. */
  static Wrk run(URI uri, int connections, int seconds, String mix, int sleepMs) throws IOException, InterruptedException {
    assertThat(SCRIPT).as("the wrk script, read from the module's directory").exists();
    List<String> command = List.of("wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "--latency",
        "--timeout", "20s", "-s", SCRIPT.toString(), uri.toString(), "--", mix, String.valueOf(sleepMs));
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("cannot run wrk (Debian's package wrk; .ci/run installs it): " + e.getMessage(), e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("wrk ends").isTrue();
    assertThat(process.exitValue()).as("wrk's exit status; it printed:%n%s", output).isZero();
    Map<String, String> values = new HashMap<>();
    output.lines().filter(line -> line.matches("[a-z0-9_]+=.*"))
        .forEach(line -> values.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1)));
    assertThat(values).as("wrk's summary; it printed:%n%s", output).containsKeys("requests", "mismatches");
    return new Wrk(output, values);
  }

  long count(String key) {
    return Long.parseLong(values.get(key));
  }

  double number(String key) {
    return Double.parseDouble(values.get(key));
  }

  long socketErrors() {
    return count("errors_connect") + count("errors_read") + count("errors_write") + count("errors_timeout");
  }
}
