package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The strict OpenMetrics reader the metrics tests rely on: what it accepts, and that it refuses what the format does. */
class OpenMetricsTextTest {
  private static final String GOOD = String.join("\n",
      "# TYPE jobs counter",
      "# HELP jobs Jobs done",
      "jobs_total{outcome=\"ok\",queue=\"a \\\"b\\\"\"} 3.0",
      "jobs_total{outcome=\"error\",queue=\"a\"} 0",
      "# TYPE wait_seconds histogram",
      "# UNIT wait_seconds seconds",
      "wait_seconds_bucket{le=\"0.1\"} 1",
      "wait_seconds_bucket{le=\"+Inf\"} 2",
      "wait_seconds_count 2",
      "wait_seconds_sum 0.5",
      "# EOF", "");

  @Test
  void readsFamiliesSamplesAndEscapedLabels() {
    var families = OpenMetricsText.parse(GOOD);
    assertThat(families).containsOnlyKeys("jobs", "wait_seconds");
    assertThat(families.get("jobs").value("jobs_total", "outcome", "ok", "queue", "a \"b\"")).isEqualTo(3.0);
    assertThat(families.get("wait_seconds").unit).isEqualTo("seconds");
  }

  @Test
  void refusesWhatTheFormatRefuses() {
    assertThatThrownBy(() -> OpenMetricsText.parse(GOOD.replace("# EOF\n", ""))).hasMessageContaining("# EOF");
    assertThatThrownBy(() -> OpenMetricsText.parse(GOOD.replace("jobs_total{outcome=\"error\"", "jobs{outcome=\"error\"")))
        .hasMessageContaining("not allowed");
    assertThatThrownBy(() -> OpenMetricsText.parse(GOOD.replace("wait_seconds_count 2", "wait_seconds_count 3")))
        .hasMessageContaining("+Inf bucket must equal the count");
    assertThatThrownBy(() -> OpenMetricsText.parse(GOOD.replace("queue=\"a\"} 0", "queue=a} 0")))
        .hasMessageContaining("malformed labels");
    assertThatThrownBy(() -> OpenMetricsText.parse(GOOD.replace("# UNIT wait_seconds seconds", "# UNIT wait_seconds bytes")))
        .hasMessageContaining("UNIT");
    assertThatThrownBy(() -> OpenMetricsText.parse(GOOD.replace("0.5\n", "0.5\nwait_seconds_sum 0.5\n")))
        .hasMessageContaining("duplicate sample");
    assertThatThrownBy(() -> OpenMetricsText.parse(GOOD.replace("} 3.0", "} -3.0"))).hasMessageContaining("negative");
  }
}
