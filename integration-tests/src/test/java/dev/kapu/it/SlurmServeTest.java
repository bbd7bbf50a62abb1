package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kapu serve --controller slurm} configured only from a kapu.yaml's {@code controller:}
 * section, on the one-node SLURM cluster ({@code .ci/setup-slurm.sh}): the official Flight SQL JDBC
 * driver's query launches a worker as a SLURM job, and kapu serve's worker lines show the CPU time
 * and memory the worker reported of itself. A bad section is refused before anything starts.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SlurmServeTest {
  private static final Duration WAIT = Duration.ofSeconds(120);

  @TempDir Path dir;

  @BeforeAll
  static void requireACluster() throws Exception {
    SlurmTest.requireACluster();
  }

  @Test
  void aQueryLaunchesASlurmJobConfiguredOnlyFromKapuYaml() throws Exception {
    Path warehouse = dir.resolve("warehouse.duckdb");
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + warehouse);
         Statement s = c.createStatement()) {
      s.execute("CREATE TABLE fruit AS SELECT * FROM (VALUES (1, 'apple'), (2, 'pear')) t(id, name)");
    }
    String job = "kapu-serve-" + UUID.randomUUID().toString().substring(0, 6);
    Path config = write("kapu.yaml",
        "resources:",
        "  warehouse: { kind: duckdb, options: { path: \"" + warehouse + "\", readOnly: true } }",
        "controller:",
        "  launcher: slurm",
        "  settings:",
        "    partition: debug",
        "    cpus: 1",
        "    memory: 512M",
        "    time: 600",
        "    job-name: " + job,
        "    script: [\"export KAPU_FROM_SCRIPT=yes\"]",
        "  maxWorkers: 1",
        "  idleSeconds: 120",
        "  launchTimeoutSeconds: 90",
        "  directory: \"" + dir.resolve("controller") + "\"",
        "  jvmOptions: [" + String.join(", ", ControllerTesting.SMALL_WORKER) + "]");
    assertThat(SlurmTest.queued(job)).isEmpty();

    ServeProcess serve = ServeProcess.start("--controller", "slurm", "--config", config.toString(), "--port", "0");
    List<String> jobs;
    try {
      assertThat(String.join("\n", serve.output))
          .contains("daemons launched on demand by the slurm launcher (at most 1, leaving after 120 s idle)");
      assertThat(SlurmTest.queued(job)).as("no job before the first query").isEmpty();
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
      System.out.printf("the first query's answer, a SLURM job launched for it: %d ms%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked));
      jobs = SlurmTest.queued(job);
      assertThat(jobs).as("the worker is a SLURM array task, running").singleElement()
          .satisfies(l -> assertThat(l).endsWith(" RUNNING"));
      try (var files = Files.walk(dir.resolve("controller"))) {
        List<Path> scripts = files.filter(p -> p.getFileName().toString().endsWith(".sh")).toList();
        assertThat(scripts).as("the batch script, in kapu.yaml's directory").singleElement();
        assertThat(Files.readString(scripts.get(0))).as("with kapu.yaml's settings").contains(
            "#SBATCH --partition=debug", "#SBATCH --cpus-per-task=1", "#SBATCH --mem=512M", "#SBATCH --time=0-00:10:00",
            "export KAPU_FROM_SCRIPT=yes", "-Xmx256m");
      }
      // a heartbeat (a fifth of the 10 s liveness bound) has brought the worker's report up to date
      Thread.sleep(2_500);
    } finally {
      serve.stop();
    }
    ControllerTesting.await("kapu serve's scancel ended the job", WAIT, () -> SlurmTest.queued(job).isEmpty());

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

  @Test
  void aBadControllerSectionIsRefusedBeforeAnythingStarts() throws Exception {
    String job = "kapu-bad-" + UUID.randomUUID().toString().substring(0, 6);
    Path typo = write("typo.yaml",
        "resources: { warehouse: { kind: duckdb } }",
        "controller:",
        "  launcher: slurm",
        "  settings: { partiton: debug, job-name: " + job + " }");
    assertThatThrownBy(() -> ServeProcess.start("--controller", "slurm", "--config", typo.toString(), "--port", "0"))
        .as("its one line of output").hasMessageEndingWith("kapu serve exited:\nkapu serve: " + typo
            + " controller: slurm launcher: unknown setting(s) [partiton]");
    Path words = write("words.yaml",
        "resources: { warehouse: { kind: duckdb } }",
        "controller: { launcher: slurm, maxWorkers: two }");
    assertThatThrownBy(() -> ServeProcess.start("--controller", "slurm", "--config", words.toString(), "--port", "0"))
        .hasMessageEndingWith("kapu serve exited:\nkapu serve: " + words
            + ": controller.maxWorkers must be a whole number, not 'two'");
    assertThat(SlurmTest.queued(job)).as("nothing was submitted").isEmpty();
  }

  private Path write(String name, String... lines) throws Exception {
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
