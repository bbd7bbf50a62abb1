package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code ./kapu bench} the README describes, run as a user runs it (a JVM of its own, its
 * peers in others) on tables and counts small enough for a test: it ends well and prints each
 * figure the README and the closing notes quote, a number, with its ratio against the peer of the
 * same run. What the figures are is not checked; that they are measured at all is. The benches
 * check on their own that each way read the same rows as its peers, and fail otherwise.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class BenchCommandsTest {
  private static final String NUMBER = "-?[0-9]+(\\.[0-9]+)?(E-?[0-9]+)?";

  @TempDir
  Path dir;

  @Test
  void benchTasksMeasuresRoundTripsSubmitsAndMapAgainstItsPeers() throws Exception {
    Map<String, String> printed = bench("tasks", "--warmup", "200", "--round-trips", "300", "--items", "2000",
        "--submits", "500", "--submit-warmup-seconds", "0");
    assertNumbers(printed, "task_rtt_p50_us", "task_rtt_p99_us", "task_rtt_p99_vs_p50", "grpc_stream_rtt_p50_us",
        "tcp_rtt_p50_us", "task_vs_grpc_stream", "nonblocking_task_rtt_p50_us", "nonblocking_task_vs_grpc_stream",
        "task_vs_hazelcast", "submit_tasks_per_s", "submit_daemons_cpu_us_per_task",
        "submit_nonblocking_tasks_per_s", "map_tasks_per_s", "map_1m_seconds");
    assertThat(printed.get("task_vs_grpc_stream_by_round")).matches(NUMBER + "/" + NUMBER + "/" + NUMBER);
  }

  @Test
  void benchQueryReadsTheResultAndTheHeldTableAgainstItsPeers() throws Exception {
    Map<String, String> printed = bench("query", "--rows", "20000", "--repetitions", "1", "--warmup-seconds", "0");
    assertNumbers(printed, "query_vs_inprocess", "query_vs_flight_doget", "query_vs_pgjdbc", "table_gb_per_s",
        "table_vs_flight_table", "table_vs_tcp_table", "table_vs_flight_table_cpu_per_gb");
  }

  @Test
  void benchFlightReadsFromKapuServeThroughEveryClientAndUploadsToItAgainstItsPeers() throws Exception {
    Map<String, String> printed = bench("flight", "--rows", "20000", "--repetitions", "1", "--warmup-seconds", "0");
    assertNumbers(printed, "flight_seconds", "jdbc_seconds", "adbc_seconds", "pgjdbc_seconds", "inprocess_seconds",
        "flight_vs_inprocess", "jdbc_vs_inprocess", "adbc_vs_inprocess", "flight_vs_pgjdbc", "jdbc_vs_pgjdbc",
        "adbc_vs_pgjdbc", "put_seconds", "flight_put_seconds", "put_vs_flight_put", "put_client_cpu_ms_per_gb",
        "flight_put_client_cpu_ms_per_gb", "flight_put_server_cpu_ms_per_gb");
    for (String client : List.of("flight", "jdbc", "adbc")) {
      assertNumbers(printed, client + "_reader_cpu_ms_per_gb");
    }
    for (String way : List.of("flight", "jdbc", "adbc", "put")) {
      assertNumbers(printed, way + "_server_cpu_ms_per_gb");
      assertThat(Double.parseDouble(printed.get(way + "_server_cpu_ms_per_gb")))
          .as("%s: kapu serve and its daemon spent CPU on it", way).isPositive();
    }
  }

  @Test
  void benchStreamsTurnsOneTransportSettingAtATime() throws Exception {
    Map<String, String> printed = bench("streams", "--rows", "20000", "--repetitions", "1", "--warmup-seconds", "0");
    assertNumbers(printed, "streams_default_vs_default", "streams_zero_copy_vs_default",
        "streams_window_16m_auto_vs_default");
  }

  @Test
  void benchScaleMeasuresEachNumberOfDaemonsAndTheirRatios() throws Exception {
    Map<String, String> printed = bench("scale", "--daemons", "2,3", "--items", "20000", "--submits", "500",
        "--map-warmup-seconds", "0", "--submit-warmup-seconds", "0", "--liveness-seconds", "3");
    for (String n : List.of("n2_", "n3_")) {
      assertNumbers(printed, n + "connect_seconds", n + "dispatcher_heap_kb_per_daemon", n + "map_items_per_s",
          n + "submit_tasks_per_s", n + "everywhere_ms", n + "frozen_detect_ms");
      assertThat(printed).containsEntry(n + "others_lost", "0");
    }
    assertNumbers(printed, "map_3_vs_2", "submit_3_vs_2", "submit_daemons_cpu_per_task_3_vs_2");
  }

  /** Runs {@code ./kapu bench args...} on this module's class path; its {@code key=value} lines. */
  private Map<String, String> bench(String... args) throws Exception {
    List<String> command = ThisJvmCommand.of("dev.kapu.bench.BenchMain", args);
    Path out = dir.resolve(args[0] + ".out");
    Process bench = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    boolean ended = bench.waitFor(540, TimeUnit.SECONDS);
    if (!ended) {
      bench.descendants().forEach(ProcessHandle::destroyForcibly);
      bench.destroyForcibly();
    }
    String output = read(out);
    assertThat(ended).as("bench %s ended; it printed:%n%s", args[0], output).isTrue();
    assertThat(bench.exitValue()).as("bench %s's exit status; it printed:%n%s", args[0], output).isZero();
    Map<String, String> printed = new LinkedHashMap<>();
    for (String line : output.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(0, eq).matches("[a-z0-9_]+")) {
        printed.put(line.substring(0, eq), line.substring(eq + 1).strip());
      }
    }
    return printed;
  }

  private static void assertNumbers(Map<String, String> printed, String... keys) {
    for (String key : keys) {
      assertThat(printed).as("printed %s", key).containsKey(key);
      assertThat(printed.get(key)).as(key).matches(NUMBER);
    }
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }
}
