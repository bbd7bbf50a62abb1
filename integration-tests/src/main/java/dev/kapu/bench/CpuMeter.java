package dev.kapu.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * CPU time spent by this JVM (the client and, in {@code Kapu.local}, the dispatcher) and by other
 * processes (daemons), between {@link #start} and {@link #perTaskMicros}: what a benchmark costs
 * per task in CPU, which unlike a rate does not depend on how busy the shared machine is.
 */
final class CpuMeter {
  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private final List<ProcessHandle> others;
  private final long ownStart;
  private final long[] othersStart;

  private CpuMeter(List<ProcessHandle> others) {
    this.others = others;
    this.othersStart = new long[others.size()];
    for (int i = 0; i < others.size(); i++) {
      othersStart[i] = cpuNanos(others.get(i));
    }
    this.ownStart = OS.getProcessCpuTime();
  }

  /** Starts counting for this JVM and the processes {@code pids} (those that cannot be seen count 0). */
  static CpuMeter start(List<Long> pids) {
    List<ProcessHandle> handles = new ArrayList<>();
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(handles::add);
    }
    return new CpuMeter(handles);
  }

  private static long cpuNanos(ProcessHandle p) {
    Optional<Duration> cpu = p.info().totalCpuDuration();
    return cpu.map(Duration::toNanos).orElse(0L);
  }

  /** This JVM's CPU since the start, per task, in µs. */
  double ownPerTaskMicros(long tasks) {
    return BenchMain.round((OS.getProcessCpuTime() - ownStart) / 1e3 / tasks, 2);
  }

  /** The other processes' CPU since the start, added up, per task, in µs. */
  double othersPerTaskMicros(long tasks) {
    long sum = 0;
    for (int i = 0; i < others.size(); i++) {
      sum += cpuNanos(others.get(i)) - othersStart[i];
    }
    return BenchMain.round(sum / 1e3 / tasks, 2);
  }
}
