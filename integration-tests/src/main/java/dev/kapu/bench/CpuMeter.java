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

  /** Linux's clock ticks per second, in which /proc counts a thread's CPU. */
  private static final long TICKS_PER_SECOND = 100;
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
   * warm-up is no task's cost.
   */
  private static long cpuNanosWithoutJit(Path process) {
    long ticks = 0;
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(process.resolve("task"))) {
      for (Path thread : threads) {
        try {
          String stat = Files.readString(thread.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            continue;
          }
          // Fields after the name: state is the 3rd of the line, utime the 14th and stime the 15th.
          String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return ticks * 1_000_000_000L / TICKS_PER_SECOND;
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
