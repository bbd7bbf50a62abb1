package dev.kapu.client.cli.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The status action's figures as OpenMetrics text, from a status written after the action's JSON
 * contract (status.json): names, units, labels and values as a Prometheus scraper reads them.
 */
class StatusMetricsTest {

  @Test
  void everyFigureUnderItsPrometheusName() throws Exception {
    String text = render(new OpenMetricsTextFormatWriter(false, false));
    System.out.println(text);
    assertThat(text.lines()).contains(
        "# TYPE kapu_tasks counter",
        "kapu_tasks_total{outcome=\"ok\"} 120.0",
        "kapu_tasks_total{outcome=\"error\"} 2.0",
        "kapu_tasks_total{outcome=\"cancelled\"} 1.0",
        "kapu_tasks_total{outcome=\"timeout\"} 1.0",
        "kapu_tasks_total{outcome=\"lost\"} 0.0",
        "# TYPE kapu_task_duration_seconds histogram",
        "# UNIT kapu_task_duration_seconds seconds",
        // cumulative, as the status gives them; +Inf holds the one slower than a second
        "kapu_task_duration_seconds_bucket{le=\"0.001\"} 50",
        "kapu_task_duration_seconds_bucket{le=\"0.01\"} 110",
        "kapu_task_duration_seconds_bucket{le=\"0.1\"} 122",
        "kapu_task_duration_seconds_bucket{le=\"1.0\"} 123",
        "kapu_task_duration_seconds_bucket{le=\"+Inf\"} 124",
        "kapu_task_duration_seconds_count 124",
        "kapu_task_duration_seconds_sum 1.75",
        "# TYPE kapu_task_queue_depth gauge",
        "kapu_task_queue_depth 3.0",
        "kapu_tasks_running 1.0",
        "kapu_daemons 2.0",
        "# UNIT kapu_daemon_cpu_ratio ratio",
        "kapu_daemon_cpu_ratio{daemon=\"1\"} 0.975",
        "kapu_daemon_cpu_ratio{daemon=\"2\"} 0.005",
        "# UNIT kapu_daemon_memory_bytes bytes",
        "kapu_daemon_memory_bytes{area=\"heap\",daemon=\"1\"} 5.24288E7",
        "kapu_daemon_memory_bytes{area=\"rss\",daemon=\"2\"} 2.097152E8",
        "kapu_daemon_slots{daemon=\"1\"} 4.0",
        "kapu_daemon_busy_slots{daemon=\"1\"} 1.0",
        "kapu_flight_sql_sessions 2.0",
        "# TYPE kapu_flight_sql_statements counter",
        "kapu_flight_sql_statements_total{code=\"OK\"} 7.0",
        "kapu_flight_sql_statements_total{code=\"INVALID_ARGUMENT\"} 2.0",
        "kapu_flight_sql_statements_total{code=\"CANCELLED\"} 1.0",
        "kapu_streamed_bytes_total 1048576.0",
        "kapu_streamed_rows_total 5000.0",
        "kapu_server_info{version=\"0.1.0-SNAPSHOT\"} 1",
        "# EOF");
    assertThat(text).endsWith("# EOF\n");
    // daemon 2 has not reported its heap yet (-1): no sample rather than a false one
    assertThat(text.lines()).noneMatch(line -> line.startsWith("kapu_daemon_memory_bytes{area=\"heap\",daemon=\"2\"}"));
  }

  @Test
  void prometheusTextForScrapersThatDoNotAskForOpenMetrics() throws Exception {
    String text = render(PrometheusTextFormatWriter.create());
    assertThat(text.lines()).contains(
        "# TYPE kapu_tasks_total counter",
        "kapu_tasks_total{outcome=\"ok\"} 120.0",
        "kapu_task_duration_seconds_bucket{le=\"+Inf\"} 124");
  }

  @Test
  void aStatusWithoutFiguresGivesEmptyFamiliesNotAnError() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new OpenMetricsTextFormatWriter(false, false).write(out, StatusMetrics.of(new ObjectMapper().readTree("{}")));
    assertThat(out.toString(StandardCharsets.UTF_8).lines()).contains("kapu_daemons 0.0", "# EOF")
        .noneMatch(line -> line.startsWith("kapu_task_duration_seconds_bucket"));
  }

  private static String render(io.prometheus.metrics.expositionformats.ExpositionFormatWriter writer) throws Exception {
    try (InputStream fixture = StatusMetricsTest.class.getResourceAsStream("status.json")) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      writer.write(out, StatusMetrics.of(new ObjectMapper().readTree(fixture)));
      return out.toString(StandardCharsets.UTF_8);
    }
  }
}
