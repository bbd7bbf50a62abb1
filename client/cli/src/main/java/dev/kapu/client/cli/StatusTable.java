package dev.kapu.client.cli;

import dev.kapu.flight.status.StatusReport;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** {@code kapu status}'s text: a summary line, then aligned tables of daemons, resources, tasks and sessions. */
final class StatusTable {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
  /** Statement text beyond this is cut in the table (--format json has it whole). */
  private static final int MAX_TEXT = 60;

  private StatusTable() {}

  static List<String> lines(StatusReport s) {
    List<String> out = new ArrayList<>();
    StatusReport.Tasks t = s.tasks();
    out.add("kapu " + s.server().version() + ", up " + duration(s.server().uptimeSeconds() * 1000) + "; "
        + s.daemons().size() + " daemon(s), " + s.sessions().size() + " session(s)");
    out.add("tasks: " + t.queued() + " queued, " + t.running() + " running, "
        + String.format(Locale.ROOT, "%.1f", t.perSecond()) + "/s; round trip p50 " + micros(t.rttP50Micros())
        + ", p99 " + micros(t.rttP99Micros()) + "; errors: " + (t.errorsByKind().isEmpty() ? "none"
            : t.errorsByKind().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "))));
    out.add("");
    Columns daemons = new Columns("DAEMON", "HOST", "PID", "SLOTS", "BUSY", "CPU%", "HEAP", "RSS", "HEARD", "TASKS");
    for (StatusReport.Daemon d : s.daemons()) {
      daemons.row(d.id(), d.host(), String.valueOf(d.pid()), String.valueOf(d.slots()), String.valueOf(d.busySlots()),
          d.cpuPercent() < 0 ? "-" : String.format(Locale.ROOT, "%.1f", d.cpuPercent()),
          d.heapUsedBytes() < 0 ? "-" : bytes(d.heapUsedBytes()) + "/" + bytes(d.heapMaxBytes()),
          d.rssBytes() < 0 ? "-" : bytes(d.rssBytes()), duration(d.lastHeartbeatMillisAgo()) + " ago",
          d.runningTasks().isEmpty() ? "-" : d.runningTasks().stream()
              .map(r -> r.taskId() + " (" + duration(r.ageMillis()) + ")").collect(Collectors.joining(", ")));
    }
    out.addAll(daemons.lines());
    out.add("");
    Columns resources = new Columns("RESOURCE", "KIND", "PLACEMENT", "DAEMONS");
    for (StatusReport.Resource r : s.resources()) {
      resources.row(r.name(), r.kind(), r.placement(), String.join(", ", r.daemons()));
    }
    for (StatusReport.Daemon d : s.daemons()) {
      for (StatusReport.Table table : d.tables()) {
        resources.row(table.name(), "table (" + table.rows() + " rows, " + bytes(table.bytes()) + ")", "pinned", d.id());
      }
    }
    out.addAll(resources.lines());
    out.add("");
    Columns sessions = new Columns("SESSION", "USER", "CLIENT", "SINCE", "ROWS", "BYTES", "STATEMENT", "AGE", "SQL");
    for (StatusReport.Session x : s.sessions()) {
      StatusReport.Statement st = x.statement();
      sessions.row(x.id(), x.user(), x.clientAddress(), CLOCK.format(Instant.ofEpochMilli(x.startedAtMillis())),
          String.valueOf(x.rowsSent()), bytes(x.bytesSent()), st == null ? "-" : st.id(),
          st == null ? "-" : duration(st.ageMillis()), st == null ? "" : oneLine(st.text()));
    }
    out.addAll(sessions.lines());
    return out;
  }

  private static String oneLine(String sql) {
    String line = sql.replaceAll("\\s+", " ").trim();
    return line.length() > MAX_TEXT ? line.substring(0, MAX_TEXT - 3) + "..." : line;
  }

  static String duration(long millis) {
    if (millis < 1000) {
      return millis + "ms";
    }
    Duration d = Duration.ofMillis(millis);
    if (d.toMinutes() == 0) {
      return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
    }
    if (d.toHours() == 0) {
      return d.toMinutesPart() + "m" + d.toSecondsPart() + "s";
    }
    return d.toHours() + "h" + d.toMinutesPart() + "m";
  }

  private static String micros(long micros) {
    return micros < 1000 ? micros + "µs" : micros < 1_000_000 ? String.format(Locale.ROOT, "%.1fms", micros / 1000.0)
        : String.format(Locale.ROOT, "%.1fs", micros / 1e6);
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + "B";
    }
    String[] units = {"K", "M", "G", "T"};
    double v = n;
    int unit = -1;
    while (v >= 1024 && unit < units.length - 1) {
      v /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, v < 10 ? "%.1f%s" : "%.0f%s", v, units[unit]);
  }

  /** Left-aligned columns, each as wide as its widest cell, two spaces apart. */
  static final class Columns {
    private final List<String[]> rows = new ArrayList<>();

    Columns(String... header) {
      rows.add(header);
    }

    void row(String... cells) {
      rows.add(cells);
    }

    List<String> lines() {
      int[] widths = new int[rows.get(0).length];
      for (String[] row : rows) {
        for (int i = 0; i < row.length; i++) {
          widths[i] = Math.max(widths[i], row[i].length());
        }
      }
      List<String> lines = new ArrayList<>();
      for (String[] row : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < row.length; i++) {
          line.append(row[i]);
          if (i < row.length - 1) {
            line.append(" ".repeat(widths[i] - row[i].length() + 2));
          }
        }
        lines.add(line.toString().stripTrailing());
      }
      return lines;
    }
  }
}
