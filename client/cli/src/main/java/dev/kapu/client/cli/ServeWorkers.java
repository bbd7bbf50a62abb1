package dev.kapu.client.cli;

import dev.kapu.client.controller.ControllerSummary;
import dev.kapu.client.controller.WorkerSummary;
import java.util.List;
import java.util.Locale;

/**
 * What {@code kapu serve} prints of a controller's workers as it shuts down: one line each, with
 * the CPU time and memory each reported of itself, wherever it ran. Scripts and tests read the
 * {@code key=value} words.
 */
final class ServeWorkers {
  private static final double MB = 1024.0 * 1024.0;

  private ServeWorkers() {}

  static List<String> lines(ControllerSummary summary) {
    return summary.workers().stream().map(ServeWorkers::line).toList();
  }

  static String line(WorkerSummary w) {
    StringBuilder s = new StringBuilder("kapu serve: worker ").append(w.id())
        .append(" state=").append(w.state().name().toLowerCase(Locale.ROOT))
        .append(" host=").append(w.host().isEmpty() ? "-" : w.host())
        .append(" pid=").append(w.pid())
        .append(" tasks=").append(w.tasks());
    w.cpuSeconds().ifPresent(cpu -> s.append(String.format(Locale.ROOT, " cpu_seconds=%.2f", cpu)));
    w.memoryBytes().ifPresent(m -> s.append(String.format(Locale.ROOT, " memory_mb=%.1f", m / MB)));
    w.peakMemoryBytes().ifPresent(m -> s.append(String.format(Locale.ROOT, " peak_memory_mb=%.1f", m / MB)));
    return s.toString();
  }
}
