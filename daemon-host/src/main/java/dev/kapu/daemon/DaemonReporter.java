package dev.kapu.daemon;

import dev.kapu.api.ResourceSpec;
import dev.kapu.api.spi.DaemonOptions;
import dev.kapu.flight.DaemonReport;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What this daemon tells the dispatcher about itself with each heartbeat ({@link DaemonReport}):
 * its heap, its resources and their kinds, its tables and their sizes, its limits, and the results
 * it holds for Flight SQL clients.
 */
final class DaemonReporter {
  private final DaemonOptions options;
  private final Hosting hosting;

  DaemonReporter(DaemonOptions options, Hosting hosting) {
    this.options = options;
    this.hosting = hosting;
  }

  DaemonReport report() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    List<DaemonReport.Resource> resources = new ArrayList<>();
    for (ResourceSpec spec : options.resources()) {
      if (!hosting.resources().names().contains(spec.name())) {
        continue; // pinned on another daemon
      }
      resources.add(new DaemonReport.Resource(spec.name(), spec.kind(), spec.placement() == ResourceSpec.Placement.PINNED));
    }
    List<DaemonReport.Table> tables = new ArrayList<>();
    for (String name : hosting.tables().names()) {
      tables.add(new DaemonReport.Table(name, hosting.tables().rowCount(name), hosting.tables().bytes(name)));
    }
    return new DaemonReport(heap.getUsed(), heap.getMax(), resources, tables, limits(),
        hosting.streams().heldTickets(), hosting.streams().drainFinished());
  }

  private Map<String, String> limits() {
    Map<String, String> limits = new LinkedHashMap<>();
    limits.put("slots", String.valueOf(options.slots()));
    if (!options.idle().isZero()) {
      limits.put("idleSeconds", String.valueOf(options.idle().toSeconds()));
    }
    if (!options.wall().isZero()) {
      limits.put("wallSeconds", String.valueOf(options.wall().toSeconds()));
    }
    if (options.maxTasks() > 0) {
      limits.put("maxTasks", String.valueOf(options.maxTasks()));
    }
    limits.put("heapMaxBytes", String.valueOf(Runtime.getRuntime().maxMemory()));
    return limits;
  }
}
