package dev.kapu.client.cli.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server's figures, from its status action's JSON, as Prometheus metric families. The server
 * keeps the counts (they survive a dashboard restart and agree with {@code kapu status}); this only
 * renames them after Prometheus's conventions: a unit suffix, {@code _total} on counters, base
 * units (seconds, bytes, a ratio for CPU), and one label per dimension.
 */
final class StatusMetrics {
  private StatusMetrics() {}

  /** The metric families in {@code status} (a status action's answer); absent figures are left out. */
  static MetricSnapshots of(JsonNode status) {
    MetricSnapshots.Builder all = MetricSnapshots.builder();
    JsonNode counters = status.path("counters");
    JsonNode tasks = status.path("tasks");
    JsonNode daemons = status.path("daemons");

    all.metricSnapshot(InfoSnapshot.builder().name("kapu_server").help("The server's version")
        .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
            .labels(Labels.of("version", status.path("server").path("version").asText("unknown"))).build())
        .build());
    all.metricSnapshot(gauge("kapu_server_uptime_seconds", "Seconds since the server started", Unit.SECONDS,
        List.of(point(Labels.EMPTY, status.path("server").path("uptimeSeconds").asDouble()))));

    all.metricSnapshot(counter("kapu_tasks", "Tasks finished, by outcome", null,
        byLabel("outcome", counters.path("tasksByOutcome"))));
    histogram(counters.path("taskLatencySeconds")).ifPresent(all::metricSnapshot);
    all.metricSnapshot(gauge("kapu_task_queue_depth", "Tasks waiting for a daemon", null,
        List.of(point(Labels.EMPTY, tasks.path("queued").asDouble()))));
    all.metricSnapshot(gauge("kapu_tasks_running", "Tasks running on daemons", null,
        List.of(point(Labels.EMPTY, tasks.path("running").asDouble()))));

    all.metricSnapshot(gauge("kapu_daemons", "Daemons connected", null, List.of(point(Labels.EMPTY, daemons.size()))));
    List<GaugeDataPointSnapshot> cpu = new ArrayList<>();
    List<GaugeDataPointSnapshot> memory = new ArrayList<>();
    List<GaugeDataPointSnapshot> slots = new ArrayList<>();
    List<GaugeDataPointSnapshot> busy = new ArrayList<>();
    for (JsonNode daemon : daemons) {
      String id = daemon.path("id").asText();
      Labels labels = Labels.of("daemon", id);
      // a percent of one core, as the status shows it; Prometheus counts CPU in cores (a ratio)
      known(daemon, "cpuPercent").ifPresent(percent -> cpu.add(point(labels, percent / 100)));
      known(daemon, "heapUsedBytes").ifPresent(heap -> memory.add(point(Labels.of("area", "heap", "daemon", id), heap)));
      known(daemon, "rssBytes").ifPresent(rss -> memory.add(point(Labels.of("area", "rss", "daemon", id), rss)));
      slots.add(point(labels, daemon.path("slots").asDouble()));
      busy.add(point(labels, daemon.path("busySlots").asDouble()));
    }
    all.metricSnapshot(gauge("kapu_daemon_cpu_ratio", "A daemon's CPU use, in cores", Unit.RATIO, cpu));
    all.metricSnapshot(gauge("kapu_daemon_memory_bytes", "A daemon's memory: heap used, and resident set",
        Unit.BYTES, memory));
    all.metricSnapshot(gauge("kapu_daemon_slots", "Tasks a daemon runs at once", null, slots));
    all.metricSnapshot(gauge("kapu_daemon_busy_slots", "A daemon's slots running a task", null, busy));

    all.metricSnapshot(gauge("kapu_flight_sql_sessions", "Flight SQL sessions open", null,
        List.of(point(Labels.EMPTY, status.path("sessions").size()))));
    all.metricSnapshot(counter("kapu_flight_sql_statements", "Flight SQL statements finished, by status code", null,
        byLabel("code", counters.path("statementsByCode"))));
    all.metricSnapshot(counter("kapu_streamed_bytes", "Bytes of results streamed to clients", Unit.BYTES,
        List.of(count(Labels.EMPTY, counters.path("bytesStreamed").asDouble()))));
    all.metricSnapshot(counter("kapu_streamed_rows", "Rows of results streamed to clients", null,
        List.of(count(Labels.EMPTY, counters.path("rowsStreamed").asDouble()))));
    return all.build();
  }

  /**
   * A daemon's figure, unless it is not known yet: the status says -1 until the daemon's first
   * report, and a scraper should see no sample rather than a false one.
   */
  private static Optional<Double> known(JsonNode daemon, String field) {
    JsonNode value = daemon.path(field);
    return value.isNumber() && value.asDouble() >= 0 ? Optional.of(value.asDouble()) : Optional.empty();
  }

  /** One data point per field of {@code byName}, labelled {@code label}=field name. */
  private static List<CounterDataPointSnapshot> byLabel(String label, JsonNode byName) {
    List<CounterDataPointSnapshot> points = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : byName.properties()) {
      points.add(count(Labels.of(label, field.getKey()), field.getValue().asDouble()));
    }
    return points;
  }

  /**
   * The task latency histogram: the status gives cumulative counts per upper bound (as Prometheus
   * shows them), the model wants each bucket's own count. An empty or malformed one is left out.
   */
  private static Optional<HistogramSnapshot> histogram(JsonNode latency) {
    JsonNode le = latency.path("le");
    JsonNode counts = latency.path("counts");
    if (!le.isArray() || le.size() == 0 || le.size() != counts.size()) {
      return Optional.empty();
    }
    int n = le.size();
    boolean hasInfinity = Double.isInfinite(bound(le.get(n - 1)));
    double[] bounds = new double[hasInfinity ? n : n + 1];
    long[] own = new long[bounds.length];
    long previous = 0;
    for (int i = 0; i < n; i++) {
      bounds[i] = bound(le.get(i));
      long cumulative = counts.get(i).asLong();
      own[i] = cumulative - previous;
      previous = cumulative;
    }
    if (!hasInfinity) { // the +Inf bucket holds what no bound did
      bounds[n] = Double.POSITIVE_INFINITY;
      own[n] = Math.max(0, latency.path("count").asLong(previous) - previous);
    }
    return Optional.of(HistogramSnapshot.builder()
        .name("kapu_task_duration_seconds").help("Task round trips, from submission to outcome").unit(Unit.SECONDS)
        .dataPoint(HistogramDataPointSnapshot.builder()
            .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, own))
            .sum(latency.path("sum").asDouble())
            .build())
        .build());
  }

  /** An upper bound, written as a number or as "+Inf". */
  private static double bound(JsonNode le) {
    return le.isNumber() ? le.asDouble() : Double.parseDouble(le.asText().replace("Inf", "Infinity"));
  }

  private static GaugeSnapshot gauge(String name, String help, Unit unit, List<GaugeDataPointSnapshot> points) {
    GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name).help(help);
    if (unit != null) {
      gauge.unit(unit);
    }
    points.forEach(gauge::dataPoint);
    return gauge.build();
  }

  private static CounterSnapshot counter(String name, String help, Unit unit, List<CounterDataPointSnapshot> points) {
    CounterSnapshot.Builder counter = CounterSnapshot.builder().name(name).help(help);
    if (unit != null) {
      counter.unit(unit);
    }
    points.forEach(counter::dataPoint);
    return counter.build();
  }

  private static GaugeDataPointSnapshot point(Labels labels, double value) {
    return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
  }

  private static CounterDataPointSnapshot count(Labels labels, double value) {
    return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
  }
}
