package dev.kapu.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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

  private static final Path SELF = Path.of("/proc/self");

  private final List<ProcessHandle> others;
  private final long ownStart;
  private final long[] othersStart;
  private final long ownStartWithoutJit;
  private final long[] othersStartWithoutJit;

  private CpuMeter(List<ProcessHandle> others) {
    this.others = others;
    this.othersStart = new long[others.size()];
    this.othersStartWithoutJit = new long[others.size()];
    for (int i = 0; i < others.size(); i++) {
      othersStart[i] = cpuNanos(others.get(i));
      othersStartWithoutJit[i] = cpuNanosWithoutJit(Path.of("/proc", Long.toString(others.get(i).pid())));
    }
    this.ownStart = OS.getProcessCpuTime();
    this.ownStartWithoutJit = cpuNanosWithoutJit(SELF);
  }

  /**
   * The CPU of a process's threads other than the JIT compilers', from /proc (0 where it cannot be
   * read): on a loaded machine new daemon JVMs still compile during a timed burst, and that
   * warm-up is no task's cost. Each thread's time on CPU comes from its {@code schedstat}, in
   * nanoseconds: {@code stat} counts in clock ticks of 10 ms, too coarse for a short reading.
   */
  private static long cpuNanosWithoutJit(Path process) {
    long nanos = 0;
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(process.resolve("task"))) {
      for (Path thread : threads) {
        try {
          String name = Files.readString(thread.resolve("comm")).strip();
          if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            continue;
          }
          String schedstat = Files.readString(thread.resolve("schedstat"));
          nanos += Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return nanos;
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

  /** This JVM's CPU since the start less its JIT compilers', per task, in µs. */
  double ownPerTaskMicrosWithoutJit(long tasks) {
    return BenchMain.round(ownNanosWithoutJit() / 1e3 / tasks, 2);
  }

  /** This JVM's CPU since the start less its JIT compilers', in ns. */
  long ownNanosWithoutJit() {
    return cpuNanosWithoutJit(SELF) - ownStartWithoutJit;
  }

  /** The other processes' CPU since the start less their JIT compilers', added up, per task, in µs. */
  double othersPerTaskMicrosWithoutJit(long tasks) {
    return BenchMain.round(othersNanosWithoutJit() / 1e3 / tasks, 2);
  }

  /** The other processes' CPU since the start less their JIT compilers', added up, in ns. */
  long othersNanosWithoutJit() {
    long sum = 0;
    for (int i = 0; i < others.size(); i++) {
      sum += cpuNanosWithoutJit(Path.of("/proc", Long.toString(others.get(i).pid()))) - othersStartWithoutJit[i];
    }
    return sum;
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
