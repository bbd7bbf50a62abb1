package dev.kapu.flight;

import dev.kapu.flight.internal.wire.HostedResourceInfo;
import dev.kapu.flight.status.FinishedResult;
import dev.kapu.flight.internal.wire.HostedTable;
import java.util.List;
import java.util.Map;

/**
 * A daemon's account of itself, sent with each heartbeat ({@link WorkerConnection.Handler#report}):
 * its heap, the resources and tables it holds, and its limits. The status action shows it.
 *
 * @param limits what bounds the daemon (slots, idle time, task limits), as name and value to read
 * @param results the tickets of the query results it holds for Flight SQL clients (waiting, running
 *     or being fetched)
 * @param finished the results that ended since its last report
 */
public record DaemonReport(long heapUsedBytes, long heapMaxBytes, List<Resource> resources, List<Table> tables,
    Map<String, String> limits, List<String> results, List<FinishedResult> finished) {

  /** A hosted resource: its name, kind (duckdb, jdbc, adbc...) and whether it lives on this daemon only. */
  public record Resource(String name, String kind, boolean pinned) {}

  /** An Arrow table in the daemon's memory. */
  public record Table(String name, long rows, long bytes) {}

  dev.kapu.flight.internal.wire.DaemonReport toWire() {
    var b = dev.kapu.flight.internal.wire.DaemonReport.newBuilder()
        .setHeapUsedBytes(heapUsedBytes).setHeapMaxBytes(heapMaxBytes).putAllLimits(limits).addAllResults(results);
    finished.forEach(f -> b.addFinished(dev.kapu.flight.internal.wire.FinishedResult.newBuilder().setTicket(f.ticket())
        .setRows(f.rows()).setBytes(f.bytes()).setStatus(f.status()).setMessage(f.message() == null ? "" : f.message())
        .setEndedMillisAgo(f.endedMillisAgo())));
    resources.forEach(r -> b.addResources(HostedResourceInfo.newBuilder().setName(r.name()).setKind(r.kind())
        .setPinned(r.pinned())));
    tables.forEach(t -> b.addTables(HostedTable.newBuilder().setName(t.name()).setRows(t.rows()).setBytes(t.bytes())));
    return b.build();
  }

  static DaemonReport fromWire(dev.kapu.flight.internal.wire.DaemonReport r) {
    return new DaemonReport(r.getHeapUsedBytes(), r.getHeapMaxBytes(),
        r.getResourcesList().stream().map(x -> new Resource(x.getName(), x.getKind(), x.getPinned())).toList(),
        r.getTablesList().stream().map(x -> new Table(x.getName(), x.getRows(), x.getBytes())).toList(),
        Map.copyOf(r.getLimitsMap()), List.copyOf(r.getResultsList()),
        r.getFinishedList().stream().map(f -> new FinishedResult(f.getTicket(), f.getRows(), f.getBytes(), f.getStatus(),
            f.getMessage().isEmpty() ? null : f.getMessage(), f.getEndedMillisAgo())).toList());
  }
}
