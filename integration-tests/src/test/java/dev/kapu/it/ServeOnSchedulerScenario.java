package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
 * {@code kapu serve --controller <scheduler>} configured only from a kapu.yaml's {@code controller:}
 * section, on a one-node batch scheduler this machine runs: the official Flight SQL JDBC driver's
 * query launches a worker as a job, the job script carries kapu.yaml's settings, and kapu serve's
 * worker lines show the CPU time and memory the worker reported of itself. Each scheduler's test
 * says how to configure and watch its own.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
abstract class ServeOnSchedulerScenario {
  static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path dir;

  /** The launcher's name, as {@code --controller} and kapu.yaml give it. */
  abstract String launcher();

  /** The lines of kapu.yaml's {@code controller.settings}, for workers named {@code job}. */
  abstract List<String> settings(String job);

  /** The tasks of jobs named {@code job} that the scheduler still lists, as {@code <task> <state>}. */
  abstract List<String> queued(String job);

  /** How a running task's line ends in {@link #queued}. */
  abstract String running();

  /** What the job script must contain, from {@link #settings}. */
  abstract List<String> inTheScript();

  @Test
  void aQueryLaunchesAJobConfiguredOnlyFromKapuYaml() throws Exception {
    Path warehouse = dir.resolve("warehouse.duckdb");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + warehouse);
         Statement s = c.createStatement()) {
      s.execute("CREATE TABLE fruit AS SELECT * FROM (VALUES (1, 'apple'), (2, 'pear')) t(id, name)");
    }
    String job = "kapu-serve-" + UUID.randomUUID().toString().substring(0, 6);
    List<String> yaml = new ArrayList<>(List.of(
        "resources:",
        "  warehouse: { kind: duckdb, options: { path: \"" + warehouse + "\", readOnly: true } }",
        "controller:",
        "  launcher: " + launcher(),
        "  settings:"));
    settings(job).forEach(line -> yaml.add("    " + line));
    yaml.addAll(List.of(
        "  maxWorkers: 1",
        "  idleSeconds: 120",
        "  launchTimeoutSeconds: 90",
        "  directory: \"" + dir.resolve("controller") + "\"",
        "  jvmOptions: [" + String.join(", ", ControllerTesting.SMALL_WORKER) + "]"));
    Path config = write("kapu.yaml", yaml.toArray(String[]::new));
    assertThat(queued(job)).isEmpty();

    ServeProcess serve = ServeProcess.start("--controller", launcher(), "--config", config.toString(), "--port", "0");
    try {
      assertThat(String.join("\n", serve.output)).contains("daemons launched on demand by the " + launcher()
          + " launcher (at most 1, leaving after 120 s idle)");
      assertThat(queued(job)).as("no job before the first query").isEmpty();
      long asked = System.nanoTime();
      try (Connection connection = DriverManager.getConnection(serve.jdbcUrl());
           Statement s = connection.createStatement();
           ResultSet r = s.executeQuery("SELECT id, name FROM fruit ORDER BY id")) {
        List<String> rows = new ArrayList<>();
        while (r.next()) {
          rows.add(r.getInt(1) + " " + r.getString(2));
        }
        assertThat(rows).containsExactly("1 apple", "2 pear");
      }
      System.out.printf("the first query's answer, a %s job launched for it: %d ms%n", launcher(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked));
      // The scheduler may list a task that has started as still starting (Grid Engine's t) for a moment.
      ControllerTesting.await("the worker listed as one array task, running", WAIT, () -> {
        List<String> tasks = queued(job);
        return tasks.size() == 1 && tasks.get(0).endsWith(running());
      });
      try (Stream<Path> files = Files.walk(dir.resolve("controller"))) {
        List<Path> scripts = files.filter(p -> p.getFileName().toString().endsWith(".sh")).toList();
        assertThat(scripts).as("the batch script, in kapu.yaml's directory").singleElement();
        assertThat(Files.readString(scripts.get(0))).as("with kapu.yaml's settings").contains(inTheScript())
            .contains("-Xmx256m");
      }
      // a heartbeat (a fifth of the 10 s liveness bound) has brought the worker's report up to date
      Thread.sleep(2_500);
    } finally {
      serve.stop();
    }
    ControllerTesting.await("kapu serve stopped the job", WAIT, () -> queued(job).isEmpty());

    List<String> workers = serve.output.stream().filter(l -> l.startsWith("kapu serve: worker ")).toList();
    workers.forEach(l -> System.out.println("  " + l));
    assertThat(workers).singleElement();
    Map<String, String> worker = words(workers.get(0));
    assertThat(worker.get("state")).isEqualTo("connected");
    assertThat(Double.parseDouble(worker.get("cpu_seconds"))).as("CPU the worker reported").isPositive();
    assertThat(Double.parseDouble(worker.get("memory_mb"))).as("resident memory it reported").isGreaterThan(10);
    assertThat(Double.parseDouble(worker.get("peak_memory_mb")))
        .isGreaterThanOrEqualTo(Double.parseDouble(worker.get("memory_mb")));
    assertThat(worker.get("tasks")).isNotEqualTo("0");
  }

  Path write(String name, String... lines) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, String.join("\n", lines) + "\n");
    return file;
  }

  /** A worker line's {@code key=value} words. */
  private static Map<String, String> words(String line) {
    Map<String, String> words = new HashMap<>();
    Arrays.stream(line.split(" ")).filter(w -> w.contains("="))
        .forEach(w -> words.put(w.substring(0, w.indexOf('=')), w.substring(w.indexOf('=') + 1)));
    return words;
  }
}
