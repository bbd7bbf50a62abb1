package dev.kapu.flight;

import dev.kapu.flight.status.ClientSessions;
import dev.kapu.flight.status.StatusReport;
import dev.kapu.flight.status.TaskFigures;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts the {@code kapu.status} answer together from what the dispatcher holds ({@link
 * DispatcherView}, {@link TaskFigures}) and the Flight SQL sessions ({@link ClientSessions}).
 */
final class StatusAssembly {
  private final Dispatcher dispatcher;
  private final ClientSessions sessions;
  private final long startedAtMillis = System.currentTimeMillis();
  private final String version;

  StatusAssembly(Dispatcher dispatcher, ClientSessions sessions) {
    this.dispatcher = dispatcher;
    this.sessions = sessions;
    String v = KapuServer.class.getPackage().getImplementationVersion();
    this.version = v != null ? v : "development build";
  }

  StatusReport report() {
    long now = System.currentTimeMillis();
    DispatcherView view = dispatcher.view();
    TaskFigures figures = dispatcher.figures();
    List<StatusReport.Daemon> daemons = view.daemons().stream().map(StatusAssembly::daemon).toList();
    return new StatusReport(
        new StatusReport.Server(version, startedAtMillis, (now - startedAtMillis) / 1000),
        daemons,
        figures.tasks(view.queued(), view.running(), now),
        sessions.report(),
        resources(view),
        new StatusReport.Counters(figures.byOutcome(), figures.latency(), sessions.statementsByCode(),
            sessions.bytesStreamed(), sessions.rowsStreamed()));
  }

  private static StatusReport.Daemon daemon(DispatcherView.DaemonView v) {
    ClusterStatus.Daemon d = v.daemon();
    DaemonReport r = v.report();
    Map<String, String> limits = new TreeMap<>();
    limits.put("slots", String.valueOf(d.slots()));
    List<StatusReport.HostedResource> resources = new ArrayList<>();
    List<StatusReport.Table> tables = new ArrayList<>();
    if (r != null) {
      limits.putAll(r.limits());
      r.resources().forEach(x -> resources.add(new StatusReport.HostedResource(x.name(), x.kind())));
      r.tables().forEach(t -> tables.add(new StatusReport.Table(t.name(), t.rows(), t.bytes())));
    } else {
      d.resources().forEach(name -> resources.add(new StatusReport.HostedResource(name, "")));
    }
    long rss = d.usage().map(ProcessUsage::residentBytes).orElse(-1L);
    return new StatusReport.Daemon(d.id(), d.host(), d.pid(), d.slots(), v.tasks().size(), round(v.cpuPercent()),
        r == null ? -1 : r.heapUsedBytes(), r == null ? -1 : r.heapMaxBytes(), rss, v.silentMillis(),
        v.tasks().stream().map(t -> new StatusReport.RunningTask(String.valueOf(t.id()), t.submitter(), t.ageMillis())).toList(),
        resources, tables, limits);
  }

  private static double round(double percent) {
    return percent < 0 ? -1 : Math.round(percent * 10) / 10.0;
  }

  /**
   * Every resource and table the daemons host, with the daemons hosting it: pinned if a daemon
   * says it lives there only (or it is a table), else replicated.
   */
  private static List<StatusReport.Resource> resources(DispatcherView view) {
    Map<String, String> kinds = new LinkedHashMap<>();
    Map<String, Boolean> pinned = new LinkedHashMap<>();
    Map<String, List<String>> where = new TreeMap<>();
    for (DispatcherView.DaemonView v : view.daemons()) {
      DaemonReport r = v.report();
      if (r != null) {
        r.resources().forEach(x -> {
          kinds.put(x.name(), x.kind());
          pinned.merge(x.name(), x.pinned(), Boolean::logicalOr);
        });
        r.tables().forEach(t -> {
          kinds.put(t.name(), "table");
          pinned.put(t.name(), true);
        });
      }
      for (String name : v.daemon().resources()) {
        where.computeIfAbsent(name, k -> new ArrayList<>()).add(v.daemon().id());
      }
    }
    List<StatusReport.Resource> out = new ArrayList<>();
    where.forEach((name, ids) -> out.add(new StatusReport.Resource(name, kinds.getOrDefault(name, ""),
        pinned.getOrDefault(name, false) ? "pinned" : "replicated", List.copyOf(ids))));
    return out;
  }
}
