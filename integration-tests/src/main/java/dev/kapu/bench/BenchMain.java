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

    @Option(names = "--submit-warmup-seconds", defaultValue = "45", description = "Untimed bursts of separate"
        + " submits for at least this long first, so that the new daemons run compiled code (default ${DEFAULT-VALUE}).")
    double submitWarmupSeconds;

    @Option(names = "--timeout-ms", defaultValue = "0", description = "A timeout for every task and map item, so that"
        + " the dispatcher keeps a deadline for each (default ${DEFAULT-VALUE}: none).")
    long timeoutMillis;

    @Option(names = "--daemon-jvm-option", description = "A JVM flag for every daemon's JVM, repeatable"
        + " (for example -XX:StartFlightRecording=filename=daemon-%%p.jfr to profile the daemons).")
    List<String> daemonJvmOptions = new ArrayList<>();

    private TaskOptions options() {
      return TaskOptions.timeout(Duration.ofMillis(timeoutMillis));
    }

    private LocalKapu local(int daemons, int slots) {
      return Kapu.builder().daemons(daemons).slots(slots).jvmOptions(daemonJvmOptions.toArray(String[]::new)).local();
    }

    @Override
    public Integer call() throws Exception {
      roundTrips();
      SubmitBench.run(local(2, submitSlots), Math.min(warmup, submits), submitWarmupSeconds, submits, options());
      map();
      return 0;
    }

    /**
     * A task's round trip on one daemon with one slot, and the peers', timed in turn
     * ({@link RoundTripsInTurn}): the ratios compare what ran under the same load.
     */
    private void roundTrips() throws Exception {
      try (LocalKapu kapu = local(1, 1); RoundTrip tcp = TcpEchoPeer.open(); RoundTrip grpc = GrpcEchoPeer.open();
          RoundTrip hazelcast = HazelcastPeer.open()) {
        RoundTrip task = () -> kapu.submit(ctx -> 1, options()).join();
        // The same task declared never to block: the daemon runs it on the network thread that read it.
        RoundTrip nonBlocking = () -> kapu.submit(ctx -> 1, options().neverBlocks()).join();
        List<RoundTrip> ways = List.of(task, tcp, grpc, hazelcast, nonBlocking);
        int peerWarmup = Math.min(warmup, 5000);
        RoundTripsInTurn.warmUp(ways, new int[] {warmup, peerWarmup, warmup, peerWarmup, warmup});
        long[] gcBefore = collections();
        RoundTripsInTurn times = RoundTripsInTurn.measure(ways, roundTrips);
        long[] gcAfter = collections();
        long[] taskNanos = times.of(0);
        double taskP50 = Stats.p50(taskNanos);
        double tcpP50 = Stats.p50(times.of(1));
        double grpcP50 = Stats.p50(times.of(2));
        double hazelcastP50 = Stats.p50(times.of(3));
        print("rtt_rounds", (roundTrips + RoundTripsInTurn.BLOCK - 1) / RoundTripsInTurn.BLOCK);
        print("task_rtt_p50_us", taskP50);
        print("task_rtt_p99_us", Stats.p99(taskNanos));
        print("task_rtt_p99_vs_p50", round(Stats.p99(taskNanos) / taskP50, 1));
        print("task_rtt_slower_than_4x_p50", Stats.slowerThan(taskNanos, 4 * taskP50 * 1000));
        // Whether the tails are this JVM's collections: each pause delays at most the round trips under way.
        print("rtt_client_gc_count", gcAfter[0] - gcBefore[0]);
        print("rtt_client_gc_ms", gcAfter[1] - gcBefore[1]);
        print("tcp_rtt_p50_us", tcpP50);
        // The peers' tails in the same run: a tail the bare transport shares is the machine's, not Kapu's.
        print("tcp_rtt_p99_us", Stats.p99(times.of(1)));
        print("rtt_ratio", round(taskP50 / tcpP50, 2));
        // The same transport with nothing on top: one FlightData each way on a DoExchange stream.
        print("grpc_stream_rtt_p50_us", grpcP50);
        print("grpc_stream_rtt_p99_us", Stats.p99(times.of(2)));
        print("task_vs_grpc_stream", round(taskP50 / grpcP50, 2));
        print("task_vs_grpc_stream_by_round", spread(times.ratioByRound(0, 2)));
        double nonBlockingP50 = Stats.p50(times.of(4));
        print("nonblocking_task_rtt_p50_us", nonBlockingP50);
        print("nonblocking_task_rtt_p99_us", Stats.p99(times.of(4)));
        print("nonblocking_task_vs_grpc_stream", round(nonBlockingP50 / grpcP50, 2));
        print("nonblocking_task_vs_grpc_stream_by_round", spread(times.ratioByRound(4, 2)));
        print("hazelcast_rtt_p50_us", hazelcastP50);
        print("hazelcast_rtt_p99_us", Stats.p99(times.of(3)));
        print("task_vs_hazelcast", round(taskP50 / hazelcastP50, 2));
      }
    }

    /** The lowest, median and highest of {@code sorted}, as {@code min/median/max}. */
    private static String spread(double[] sorted) {
      return round(sorted[0], 2) + "/" + round(sorted[sorted.length / 2], 2) + "/" + round(sorted[sorted.length - 1], 2);
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
