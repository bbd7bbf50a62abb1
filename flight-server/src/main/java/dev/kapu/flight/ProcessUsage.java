package dev.kapu.flight;

import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * What the process a daemon runs in uses, as the daemon measured it and reported it with its hello
 * and every heartbeat: so a controller knows it for workers on any host, not only its own. For a
 * daemon inside another program, these are the whole program's figures.
 *
 * @param cpuNanos CPU time the process has used (all threads, user and system); below zero if unknown
 * @param residentBytes its resident memory now; below zero if unknown
 * @param peakResidentBytes the most resident memory it has held; below zero if unknown
 */
public record ProcessUsage(long cpuNanos, long residentBytes, long peakResidentBytes) {
  private static final Path STATUS = Path.of("/proc/self/status");

  /**
   * One measurement serves every heartbeat of the process for a second. The process's CPU time is
   * a walk over all its threads in the kernel, and a JVM may run hundreds of daemons with a few
   * threads each ({@code bench scale} runs 500): measured for each of their heartbeats, it took 7%
   * of such a JVM's CPU.
   */
  private static final Supplier<ProcessUsage> RECENT = Suppliers.memoizeWithExpiration(ProcessUsage::measure, 1,
      TimeUnit.SECONDS);

  /** This process's figures, measured at most a second ago. */
  public static ProcessUsage current() {
    return RECENT.get();
  }

  /**
   * Measures this process: CPU time from the JVM's operating system bean, memory from {@code
   * /proc/self/status} (one small read; unknown where there is no {@code /proc}).
   */
  static ProcessUsage measure() {
    long cpu = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() : -1;
    long resident = -1;
    long peak = -1;
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith("VmRSS:")) {
          resident = kibibytes(line);
        } else if (line.startsWith("VmHWM:")) {
          peak = kibibytes(line);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: memory stays unknown
    }
    return new ProcessUsage(cpu, resident, peak);
  }

  /** {@code VmRSS:   123456 kB} in bytes. */
  static long kibibytes(String statusLine) {
    return Long.parseLong(statusLine.replaceAll("[^0-9]", "")) * 1024;
  }

  /** CPU seconds, if known. */
  public OptionalDouble cpuSeconds() {
    return cpuNanos < 0 ? OptionalDouble.empty() : OptionalDouble.of(cpuNanos / 1e9);
  }

  /** Resident memory, if known. */
  public OptionalLong resident() {
    return residentBytes < 0 ? OptionalLong.empty() : OptionalLong.of(residentBytes);
  }

  /** Peak resident memory, if known. */
  public OptionalLong peakResident() {
    return peakResidentBytes < 0 ? OptionalLong.empty() : OptionalLong.of(peakResidentBytes);
  }

  dev.kapu.flight.internal.wire.ProcessUsage toWire() {
    return dev.kapu.flight.internal.wire.ProcessUsage.newBuilder().setCpuNanos(cpuNanos)
        .setResidentBytes(residentBytes).setPeakResidentBytes(peakResidentBytes).build();
  }

  /** From the wire; null when the message carries none (a dispatcher's heartbeat, an older daemon). */
  static ProcessUsage fromWire(boolean present, dev.kapu.flight.internal.wire.ProcessUsage u) {
    return present ? new ProcessUsage(u.getCpuNanos(), u.getResidentBytes(), u.getPeakResidentBytes()) : null;
  }
}
