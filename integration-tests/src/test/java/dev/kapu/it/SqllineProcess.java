package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * sqlline (a JDBC shell from Maven Central) in a JVM of its own, with this JVM's class path (the
 * Flight SQL JDBC driver on it), running a script against a JDBC URL; what it printed comes back.
 * It stops at the first command that fails ({@code --force=false}), so a failure shows.
 */
final class SqllineProcess {
  private SqllineProcess() {}

  /** Runs {@code commands}, one per line, then {@code !quit}; returns everything sqlline printed. */
  static String run(Path dir, String url, String user, String password, List<String> commands) throws Exception {
    Path script = dir.resolve("script.sql");
    List<String> lines = new ArrayList<>(commands);
    lines.add("!quit");
    Files.write(script, lines, StandardCharsets.UTF_8);
    Path output = dir.resolve("sqlline.out");
    Process process = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens=java.base/java.nio=ALL-UNNAMED", // the JDBC driver's Arrow memory needs it on JDK 17
        "-cp", System.getProperty("java.class.path"),
        "sqlline.SqlLine", "-u", url, "-n", user, "-p", password,
        "--maxWidth=400", "--force=false", "--showNestedErrs=true", "-f", script.toString())
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
    boolean exited = process.waitFor(180, TimeUnit.SECONDS);
    if (!exited) {
      process.destroyForcibly();
    }
    String printed = Files.readString(output, StandardCharsets.UTF_8);
    assertThat(exited).as("sqlline exits; it printed:\n%s", printed).isTrue();
    return printed;
  }

  /**
   * The rows of the first table sqlline printed after the line that echoes {@code command}, as
   * column name to value.
   */
  static List<Map<String, String>> table(String printed, String command) {
    List<String> lines = printed.lines().toList();
    int at = 0;
    while (at < lines.size() && !lines.get(at).endsWith(command)) {
      at++;
    }
    List<String> header = null;
    List<Map<String, String>> rows = new ArrayList<>();
    for (int i = at + 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (!line.startsWith("|") && !line.startsWith("+")) {
        if (header != null) {
          break; // the end of the table
        }
        continue;
      }
      if (!line.startsWith("|")) {
        continue;
      }
      List<String> cells = Arrays.stream(line.substring(1, line.length() - 1).split("\\|", -1))
          .map(String::trim).toList();
      if (header == null) {
        header = cells;
      } else {
        List<String> h = header;
        rows.add(IntStream.range(0, Math.min(h.size(), cells.size())).boxed()
            .collect(Collectors.toMap(h::get, cells::get, (a, b) -> a)));
      }
    }
    return rows;
  }
}
