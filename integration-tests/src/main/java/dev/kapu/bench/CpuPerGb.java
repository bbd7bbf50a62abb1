package dev.kapu.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The CPU one way of reading (or uploading) the benchmark table costs per GB, on this JVM's side
 * and the serving side (other processes), JIT compilers left out: it moves less with the load of
 * the shared machine than the rate does. Counts every reading it wraps and reports the last ones,
 * the timed readings after the warm-up.
 */
final class CpuPerGb {
  private record Count(long ownNanos, long serverNanos, long bytes) {}

  private final List<Long> serverPids;
  private final List<Count> counts = new ArrayList<>();

  CpuPerGb(long serverPid) {
    this(List.of(serverPid));
  }

  /** @param serverPids the processes that serve together, such as {@code kapu serve} and its daemons */
  CpuPerGb(List<Long> serverPids) {
    this.serverPids = List.copyOf(serverPids);
  }

  /** {@code run}, counted. */
  Reading.Run counting(Reading.Run run) {
    return () -> {
      CpuMeter meter = CpuMeter.start(serverPids);
      Reading reading = run.run();
      counts.add(new Count(meter.ownNanosWithoutJit(), meter.othersNanosWithoutJit(), reading.bytes()));
      return reading;
    };
  }

  /**
   * Prints {@code NAME_reader_cpu_ms_per_gb} and {@code NAME_server_cpu_ms_per_gb} over the last
   * {@code readings}; returns the two added up.
   */
  double report(String name, int readings) {
    return report(name, "reader", readings);
  }

  /** As {@link #report(String, int)}, this JVM's side named {@code ownSide} ({@code client} for uploads). */
  double report(String name, String ownSide, int readings) {
    List<Count> timed = counts.subList(Math.max(0, counts.size() - readings), counts.size());
    double gb = timed.stream().mapToLong(Count::bytes).sum() / 1e9;
    double own = timed.stream().mapToLong(Count::ownNanos).sum() / 1e6 / gb;
    double server = timed.stream().mapToLong(Count::serverNanos).sum() / 1e6 / gb;
    BenchMain.print(name + "_" + ownSide + "_cpu_ms_per_gb", Math.round(own));
    BenchMain.print(name + "_server_cpu_ms_per_gb", Math.round(server));
    return own + server;
  }
}
