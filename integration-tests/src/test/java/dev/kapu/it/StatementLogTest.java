package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail of the distribution's {@code kapu serve} (its own logger, logback, at its default
 * level warn): one line per Flight SQL statement on {@code kapu.audit.statements} with the user,
 * catalog, status, rows and duration (a database's refusal too, with its own words, on one line), as text by default and, with {@code --log-format json}, as
 * JSON lines (logback's JsonEncoder) that parse, with those fields as key-value pairs.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class StatementLogTest {
  private static final String PASSWORD = "audit-" + UUID.randomUUID();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void oneLinePerStatementAsTextAndAsJson(@TempDir Path temp) throws Exception {
    Path kapu = unpack(temp).resolve("bin/kapu");

    ServeProcess text = serve(kapu, temp);
    try {
      runStatements(text);
      awaitLine(text, line -> line.contains("kapu.audit.statements") && line.contains("user=\"kapu\"")
          && line.contains("catalog=\"duckdb\"") && line.contains("status=\"OK\"") && line.contains("rows=\"3\"")
          && line.contains("sql=\"SELECT range FROM range(3)\""));
      awaitLine(text, line -> line.contains("kapu.audit.statements") && line.contains("status=\"NOT_FOUND\"")
          && line.contains("error=\"statement on 'duckdb' failed: Catalog Error: Table with name no_such_table does not exist!"));
      text.echo("kapu.audit");
    } finally {
      text.stop();
    }

    ServeProcess jsonLines = serve(kapu, temp, "--log-format", "json");
    try {
      runStatements(jsonLines);
      awaitLine(jsonLines, line -> line.startsWith("{") && line.contains("SELECT range FROM range(3)"));
      awaitLine(jsonLines, line -> line.startsWith("{") && line.contains("no_such_table"));
      List<Map<String, String>> statements = new ArrayList<>();
      List<String> lines;
      synchronized (jsonLines.output) {
        lines = List.copyOf(jsonLines.output);
      }
      for (String line : lines) {
        if (!line.startsWith("{")) {
          continue; // the banner, on stdout
        }
        JsonNode entry = json.readTree(line); // every log line is one JSON object
        assertThat(entry.path("level").asText()).isNotEmpty();
        if (entry.path("loggerName").asText().equals("kapu.audit.statements")) {
          Map<String, String> fields = new HashMap<>();
          for (JsonNode pair : entry.path("kvpList")) {
            pair.fields().forEachRemaining(f -> fields.put(f.getKey(), f.getValue().asText()));
          }
          statements.add(fields);
        }
      }
      System.out.println("statements in the JSON log: " + statements);
      assertThat(statements).anySatisfy(f -> {
        assertThat(f).containsEntry("user", "kapu").containsEntry("catalog", "duckdb").containsEntry("status", "OK")
            .containsEntry("rows", "3").containsEntry("sql", "SELECT range FROM range(3)");
        assertThat(Double.parseDouble(f.get("durationMillis"))).isPositive();
        assertThat(f.get("statement")).isNotEmpty();
      });
      assertThat(statements).anySatisfy(f -> assertThat(f).containsEntry("status", "NOT_FOUND")
          .containsKey("error"));
    } finally {
      jsonLines.stop();
    }
  }

  private static void runStatements(ServeProcess serve) throws SQLException {
    try (Connection c = DriverManager.getConnection(serve.jdbcUrl()); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT range FROM range(3)")) {
        int rows = 0;
        while (rs.next()) {
          rows++;
        }
        assertThat(rows).isEqualTo(3);
      }
      try {
        s.executeQuery("SELECT * FROM no_such_table").close();
      } catch (SQLException expected) {
        assertThat(expected.getMessage()).contains("no_such_table");
      }
    }
  }

  private static ServeProcess serve(Path kapu, Path temp, String... more) throws Exception {
    List<String> command = new ArrayList<>(List.of(kapu.toString(), "serve", "--port", "0", "--daemons", "1"));
    command.addAll(List.of(more));
    ProcessBuilder builder = new ProcessBuilder(command).directory(temp.toFile());
    Map<String, String> env = builder.environment();
    Stream.of("CLASSPATH", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS", "KAPU_JAVA_OPTS", "MAVEN_OPTS", "KAPU_LOG_LEVEL")
        .forEach(env::remove);
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("KAPU_PASSWORD", PASSWORD);
    return ServeProcess.run(builder);
  }

  /** The distribution, unpacked under {@code temp}: its home folder. */
  private static Path unpack(Path temp) throws Exception {
    Path tarball = Path.of(System.getProperty("kapu.tarball"));
    assertThat(tarball).as("the distribution (./mvnw package builds it in client/cli/target)").isRegularFile();
    Path unpacked = Files.createDirectory(temp.resolve("unpacked"));
    Process tar = new ProcessBuilder("tar", "-xzf", tarball.toString()).directory(unpacked.toFile()).inheritIO().start();
    assertThat(tar.waitFor(120, TimeUnit.SECONDS) && tar.exitValue() == 0).as("tar -xzf").isTrue();
    return unpacked.resolve(tarball.getFileName().toString().replace(".tar.gz", ""));
  }

  private static void awaitLine(ServeProcess serve, java.util.function.Predicate<String> wanted)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      synchronized (serve.output) {
        if (serve.output.stream().anyMatch(wanted)) {
          return;
        }
      }
      if (System.nanoTime() > deadline) {
        serve.echo("");
        throw new AssertionError("kapu serve logged no such line");
      }
      Thread.sleep(100);
    }
  }
}
