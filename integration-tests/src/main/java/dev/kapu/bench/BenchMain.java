package dev.kapu.bench;

import dev.kapu.api.MapOptions;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.flight.ClusterStatus;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code ./kapu bench ...}: Kapu measured against its peers in the same run. Each prints {@code
 * key=value} lines; ratios against a peer are what to compare across machines.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Measure Kapu against its peers in the same run; prints key=value lines.",
    subcommands = {BenchMain.Tasks.class, QueryBench.class, FlightBench.class, ScaleBench.class,
        StreamBench.class})
public final class BenchMain implements Callable<Integer> {

  @Override
  public Integer call() {
    CommandLine.usage(this, System.out);
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchMain()).execute(args));
  }

  static void print(String key, Object value) {
    System.out.println(key + "=" + value);
  }

  static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }

  /** Task round trips against a TCP echo and Hazelcast; many separate submits; a million-item map. */
  @Command(name = "tasks", mixinStandardHelpOptions = true,
      description = "Task round trip vs TCP echo and Hazelcast; many separate submits; map over many items.")
  static final class Tasks implements Callable<Integer> {
    @Option(names = "--warmup", defaultValue = "20000", description = "Untimed round trips first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--round-trips", defaultValue = "20000", description = "Timed round trips (default ${DEFAULT-VALUE}).")
    int roundTrips;

    @Option(names = "--items", defaultValue = "1000000", description = "Items in the map (default ${DEFAULT-VALUE}).")
    int items;

    @Option(names = "--submits", defaultValue = "100000", description = "Separate submits, each its own future"
        + " completed by a callback (default ${DEFAULT-VALUE}).")
    int submits;

    @Option(names = "--submit-slots", defaultValue = "16", description = "Slots of each of the 2 daemons the"
        + " separate submits run on (default ${DEFAULT-VALUE}).")
    int submitSlots;

    @Option(names = "--submit-warmup-seconds", defaultValue = "15", description = "Untimed bursts of separate"
        + " submits for at least this long first, so that the new daemons run compiled code (default ${DEFAULT-VALUE}).")
    double submitWarmupSeconds;

    @Option(names = "--timeout-ms", defaultValue = "0", description = "A timeout for every task and map item, so that"
        + " the dispatcher keeps a deadline for each (default ${DEFAULT-VALUE}: none).")
    long timeoutMillis;

    @Option(names = "--daemon-jvm-option", description = "A JVM flag for every daemon's JVM, repeatable"
        + " (for example -XX:StartFlightRecording=filename=daemon-%p.jfr to profile the daemons).")
    List<String> daemonJvmOptions = new ArrayList<>();

    private TaskOptions options() {
      return TaskOptions.timeout(Duration.ofMillis(timeoutMillis));
    }

    private LocalKapu local(int daemons, int slots) {
      return Kapu.builder().daemons(daemons).slots(slots).jvmOptions(daemonJvmOptions.toArray(String[]::new)).local();
    }

    @Override
    public Integer call() throws Exception {
      long[] task = taskRoundTrips();
      long[] tcp = TcpEchoPeer.measureRoundTrips(Math.min(warmup, 5000), roundTrips);
      long[] grpc = GrpcEchoPeer.measureRoundTrips(warmup, roundTrips);
      long[] hazelcast = HazelcastPeer.measureRoundTrips(Math.min(warmup, 5000), roundTrips);
      double taskP50 = Stats.p50(task);
      double tcpP50 = Stats.p50(tcp);
      print("task_rtt_p50_us", taskP50);
      print("task_rtt_p99_us", Stats.p99(task));
      print("task_rtt_p99_vs_p50", round(Stats.p99(task) / taskP50, 1));
      print("tcp_rtt_p50_us", tcpP50);
      // The peers' tails in the same run: a tail the bare transport shares is the machine's, not Kapu's.
      print("tcp_rtt_p99_us", Stats.p99(tcp));
      print("rtt_ratio", round(taskP50 / tcpP50, 2));
      // The same transport with nothing on top: one FlightData each way on a DoExchange stream.
      print("grpc_stream_rtt_p50_us", Stats.p50(grpc));
      print("grpc_stream_rtt_p99_us", Stats.p99(grpc));
      print("task_vs_grpc_stream", round(taskP50 / Stats.p50(grpc), 2));
      print("hazelcast_rtt_p50_us", Stats.p50(hazelcast));
      print("hazelcast_rtt_p99_us", Stats.p99(hazelcast));
      print("task_vs_hazelcast", round(taskP50 / Stats.p50(hazelcast), 2));
      SubmitBench.run(local(2, submitSlots), Math.min(warmup, submits), submitWarmupSeconds, submits, options());
      map();
      return 0;
    }

    private long[] taskRoundTrips() {
      try (LocalKapu kapu = local(1, 1)) {
        TaskOptions options = options();
        for (int i = 0; i < warmup; i++) {
          kapu.submit(ctx -> 1, options).join();
        }
        long[] nanos = new long[roundTrips];
        long[] gcBefore = collections();
        for (int i = 0; i < roundTrips; i++) {
          long t0 = System.nanoTime();
          kapu.submit(ctx -> 1, options).join();
          nanos[i] = System.nanoTime() - t0;
        }
        long[] gcAfter = collections();
        // Whether the tail is this JVM's collections: each pause delays at most the round trips under way.
        print("task_rtt_client_gc_count", gcAfter[0] - gcBefore[0]);
        print("task_rtt_client_gc_ms", gcAfter[1] - gcBefore[1]);
        print("task_rtt_slower_than_4x_p50", Stats.slowerThan(nanos, 4 * Stats.p50(nanos) * 1000));
        return nanos;
      }
    }

    /** Collections so far in this JVM and the milliseconds they took, over all collectors. */
    private static long[] collections() {
      long count = 0;
      long millis = 0;
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        count += Math.max(0, gc.getCollectionCount());
        millis += Math.max(0, gc.getCollectionTime());
      }
      return new long[] {count, millis};
    }

    private void map() {
      try (LocalKapu kapu = local(2, 1)) {
        kapu.<Integer, Integer>map(range(10_000), x -> x + 1).join(); // warm both daemons
        List<Integer> input = range(items);
        System.gc();
        CpuMeter cpu = CpuMeter.start(kapu.status().daemons().stream().map(ClusterStatus.Daemon::pid).toList());
        try (HeapSampler heap = HeapSampler.start()) {
          long t0 = System.nanoTime();
          List<Integer> out = kapu.<Integer, Integer>map(input, x -> x + 1,
              MapOptions.DEFAULT.withTask(options()).withProgress(false)).join();
          double seconds = (System.nanoTime() - t0) / 1e9;
          if (out.size() != items || out.get(items - 1) != items) {
            throw new IllegalStateException("map returned wrong results");
          }
          print("map_items", items);
          print("map_1m_seconds", round(seconds * 1_000_000.0 / items, 3));
          print("map_tasks_per_s", Math.round(items / seconds));
          print("map_client_cpu_us_per_item", cpu.ownPerTaskMicros(items));
          print("map_daemons_cpu_us_per_item", cpu.othersPerTaskMicros(items));
          print("map_client_cpu_us_per_item_without_jit", cpu.ownPerTaskMicrosWithoutJit(items));
          print("map_daemons_cpu_us_per_item_without_jit", cpu.othersPerTaskMicrosWithoutJit(items));
          print("client_peak_heap_mb", heap.stop());
        }
      }
    }

    private static List<Integer> range(int n) {
      List<Integer> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        list.add(i);
      }
      return list;
    }
  }
}
