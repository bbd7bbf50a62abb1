package dev.kapu.bench;

import static dev.kapu.bench.BenchMain.print;
import static dev.kapu.bench.BenchMain.round;

import dev.kapu.api.MapOptions;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.flight.ClusterStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./kapu bench scale}: one dispatcher, in a JVM of its own, and N daemons ({@link
 * ScaleCluster}), for each N asked for. Prints, with the N in each key ({@code n1000_...}): the
 * time until all are connected, the dispatcher's heap (after a full collection) and its resident
 * memory outside the heap per connected daemon,
 * trivial-task throughput with {@code map} and with separate submits, the time {@code everywhere}
 * takes, and the time from SIGSTOP of one daemon to the dispatcher declaring it lost; and what
 * each separate submit cost the dispatcher, the daemons' JVMs and the client in CPU. Then the
 * throughput at the largest N against the smallest, and the CPU per submit likewise.
 */
@Command(name = "scale", mixinStandardHelpOptions = true,
    description = "One dispatcher and N daemons: connect time, memory per daemon, throughput, everywhere,"
        + " frozen-daemon detection.")
final class ScaleBench implements java.util.concurrent.Callable<Integer> {

  @Option(names = "--daemons", split = ",", defaultValue = "10,100,1000",
      description = "The numbers of daemons to measure (default ${DEFAULT-VALUE}).")
  int[] daemons;

  @Option(names = "--slots", defaultValue = "1", description = "Slots per daemon (default ${DEFAULT-VALUE}).")
  int slots;

  @Option(names = "--per-jvm", defaultValue = "500", description = "Daemons per daemon JVM (default ${DEFAULT-VALUE}).")
  int perJvm;

  @Option(names = "--daemon-jvm-heap", defaultValue = "768m",
      description = "-Xmx of each daemon JVM (default ${DEFAULT-VALUE}).")
  String daemonHeap;

  @Option(names = "--dispatcher-heap", defaultValue = "512m",
      description = "-Xms and -Xmx of the dispatcher's JVM, touched at start (default ${DEFAULT-VALUE}).")
  String dispatcherHeap;

  /**
   * Enough items that a warm map lasts about a second at N=10 (2-4 million items a second): what is
   * measured is throughput, not the fixed cost of starting and finishing one map across N daemons.
   */
  @Option(names = "--items", defaultValue = "2000000", description = "Items in the timed map (default ${DEFAULT-VALUE}).")
  int items;

  /**
   * At N=1,000 the JVMs still compiled after 20 s of maps (the dispatcher's C2 took 3 s of CPU in
   * the 10 s of timed maps that followed, of the 20 two cores have), and maps ran faster after 60 s:
   * 2.0–3.2 million items a second at N=1,000 against 1.6–2.2 after 20 s.
   */
  @Option(names = "--map-warmup-seconds", defaultValue = "60",
      description = "Untimed maps for at least this long before the timed ones, so that every JVM runs"
          + " compiled code (default ${DEFAULT-VALUE}).")
  double mapWarmupSeconds;

  @Option(names = "--submits", defaultValue = "20000",
      description = "Separate submits in each timed round, each its own future (default ${DEFAULT-VALUE}).")
  int submits;

  /** Separate submits run code the maps never did: the client's submit path and the dispatcher's. */
  @Option(names = "--submit-warmup-seconds", defaultValue = "20",
      description = "Untimed rounds of separate submits for at least this long before the timed ones"
          + " (default ${DEFAULT-VALUE}).")
  double submitWarmupSeconds;

  @Option(names = "--liveness-seconds", defaultValue = "10",
      description = "The dispatcher's liveness bound (default ${DEFAULT-VALUE}, as kapu serve's).")
  double livenessSeconds;

  /** The chunk size the default split chooses for a large map on a few daemons (its cap). */
  private static final int FIXED_CHUNK = 1024;
  private static final int MAP_RUNS = 5;
  private static final int SUBMIT_RUNS = 3;
  private static final String[] SUBMIT_CPU_SIDES = {"dispatcher", "daemons", "client"};

  private final Map<Integer, double[]> throughputs = new LinkedHashMap<>();
  /** CPU per separate submit, in µs, JIT compilers left out: the dispatcher's, the daemon JVMs', the client's. */
  private final Map<Integer, double[]> submitCpu = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    Duration liveness = Duration.ofMillis(Math.round(livenessSeconds * 1000));
    for (int n : daemons) {
      if (n < 2) {
        throw new IllegalArgumentException("--daemons: at least 2 (one of them is frozen), not " + n);
      }
      measure(n, liveness);
    }
    int smallest = Arrays.stream(daemons).min().orElseThrow();
    int largest = Arrays.stream(daemons).max().orElseThrow();
    if (smallest != largest) {
      String[] names = {"map", "map_chunks_of_" + FIXED_CHUNK, "submit"};
      for (int i = 0; i < names.length; i++) {
        print(names[i] + "_" + largest + "_vs_" + smallest,
            round(throughputs.get(largest)[i] / throughputs.get(smallest)[i], 2));
      }
      for (int i = 0; i < SUBMIT_CPU_SIDES.length; i++) {
        print("submit_" + SUBMIT_CPU_SIDES[i] + "_cpu_per_task_" + largest + "_vs_" + smallest,
            round(submitCpu.get(largest)[i] / submitCpu.get(smallest)[i], 2));
      }
    }
    return 0;
  }

  private void measure(int n, Duration liveness) throws Exception {
    String key = "n" + n + "_";
    try (ScaleCluster cluster = ScaleCluster.dispatcher(liveness, dispatcherHeap)) {
      long[] before = cluster.dispatcherMemory();
      long t0 = System.nanoTime();
      cluster.launchDaemons(n, slots, perJvm, daemonHeap);
      double launched = (System.nanoTime() - t0) / 1e9;
      cluster.awaitConnected(n);
      double connected = (System.nanoTime() - t0) / 1e9;
      print(key + "daemon_jvms_started_seconds", round(launched, 2));
      print(key + "connect_seconds", round(connected, 2));
      Thread.sleep(liveness.toMillis() / 5 * 2); // two heartbeat rounds: idle and settled
      long[] idle = cluster.dispatcherMemory();
      print(key + "dispatcher_heap_kb_per_daemon", round((idle[0] - before[0]) / 1024.0 / n, 1));
      // The heap is fixed and touched at start: this is what each daemon costs outside the heap.
      print(key + "dispatcher_rss_growth_kb_per_daemon", round((idle[1] - before[1]) / 1024.0 / n, 1));
      print(key + "dispatcher_heap_mb", round(idle[0] / 1048576.0, 1));
      print(key + "dispatcher_rss_mb", round(idle[1] / 1048576.0, 1));

      Kapu kapu = cluster.kapu();
      // First contact: one item for each slot, on daemons that have run nothing.
      print(key + "first_map_ms", round(timedMap(kapu, range(n * slots), MapOptions.DEFAULT.withChunkSize(1)) * 1000, 1));
      // The default split against the chunks a large map gets on a few daemons, which shows what
      // the dispatcher sustains.
      double[] mapRates = mapRates(kapu, new MapOptions[] {MapOptions.DEFAULT,
          MapOptions.DEFAULT.withChunkSize(FIXED_CHUNK)});
      double mapRate = mapRates[0];
      double fixedChunkRate = mapRates[1];
      double submitRate = submitRate(cluster, n);
      throughputs.put(n, new double[] {mapRate, fixedChunkRate, submitRate});
      print(key + "map_items_per_s", Math.round(mapRate));
      print(key + "map_chunks_of_" + FIXED_CHUNK + "_items_per_s", Math.round(fixedChunkRate));
      print(key + "submit_tasks_per_s", Math.round(submitRate));
      for (int i = 0; i < SUBMIT_CPU_SIDES.length; i++) {
        print(key + "submit_" + SUBMIT_CPU_SIDES[i] + "_cpu_us_per_task", submitCpu.get(n)[i]);
      }
      print(key + "everywhere_ms", everywhereMillis(kapu, n));

      long stoppedAt = cluster.freeze();
      ClusterStatus.Departure lost = cluster.awaitFrozenDeclaredLost();
      print(key + "frozen_detect_ms", lost.atMillis() - stoppedAt);
      print(key + "liveness_bound_ms", liveness.toMillis());
      ClusterStatus status = kapu.status();
      print(key + "others_lost", status.departed().stream().filter(d -> !d.id().equals(ScaleCluster.FROZEN_ID)).count());
    }
  }

  /**
   * Items per second of a map of {@link #items} trivial items with each of {@code options}: the
   * median of {@link #MAP_RUNS} timed maps, run in turn so that a change in the machine's load
   * falls on all alike. Untimed maps with each come first, for {@link #mapWarmupSeconds}: the
   * first maps on new daemons run interpreted code (at N=1,000 the timed maps still sped up run by
   * run after one untimed map each).
   */
  private double[] mapRates(Kapu kapu, MapOptions[] options) {
    List<Integer> input = range(items);
    long warmupEnd = System.nanoTime() + (long) (mapWarmupSeconds * 1e9);
    do {
      for (MapOptions o : options) {
        timedMap(kapu, input, o);
      }
    } while (System.nanoTime() < warmupEnd);
    double[][] rates = new double[options.length][MAP_RUNS];
    for (int run = 0; run < MAP_RUNS; run++) {
      for (int i = 0; i < options.length; i++) {
        rates[i][run] = items / timedMap(kapu, input, options[i]);
      }
    }
    return Arrays.stream(rates).mapToDouble(ScaleBench::median).toArray();
  }

  /** Seconds a map of {@code input} takes. */
  private double timedMap(Kapu kapu, List<Integer> input, MapOptions options) {
    long t0 = System.nanoTime();
    List<Integer> out = kapu.<Integer, Integer>map(input, x -> x + 1, options).join();
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (out.size() != input.size() || out.get(input.size() - 1) != input.size()) {
      throw new IllegalStateException("map returned wrong results");
    }
    return seconds;
  }

  /**
   * Tasks per second of {@link #submits} separate submits, each its own future: the median of
   * {@link #SUBMIT_RUNS} timed rounds, after untimed ones for {@link #submitWarmupSeconds}. Keeps
   * what the timed rounds cost each side in CPU per task ({@link #submitCpu}): unlike the rate, that
   * does not depend on how the sides share the two cores, so it says which side's cost grows with N.
   */
  private double submitRate(ScaleCluster cluster, int n) throws InterruptedException {
    Kapu kapu = cluster.kapu();
    long warmupEnd = System.nanoTime() + (long) (submitWarmupSeconds * 1e9);
    do {
      SubmitBench.burst(kapu, submits, TaskOptions.DEFAULT);
    } while (System.nanoTime() < warmupEnd);
    CpuMeter dispatcherAndClient = CpuMeter.start(List.of(cluster.dispatcherPid()));
    CpuMeter daemons = CpuMeter.start(cluster.daemonPids());
    double[] rates = new double[SUBMIT_RUNS];
    for (int run = 0; run < SUBMIT_RUNS; run++) {
      long t0 = System.nanoTime();
      SubmitBench.burst(kapu, submits, TaskOptions.DEFAULT);
      rates[run] = submits / ((System.nanoTime() - t0) / 1e9);
    }
    long tasks = (long) SUBMIT_RUNS * submits;
    submitCpu.put(n, new double[] {dispatcherAndClient.othersPerTaskMicrosWithoutJit(tasks),
        daemons.othersPerTaskMicrosWithoutJit(tasks), dispatcherAndClient.ownPerTaskMicrosWithoutJit(tasks)});
    return median(rates);
  }

  /** The median of three everywhere() calls, each answered by all {@code n} daemons, in ms. */
  private static double everywhereMillis(Kapu kapu, int n) {
    double[] millis = new double[3];
    for (int i = 0; i < millis.length; i++) {
      long t0 = System.nanoTime();
      List<Integer> answers = kapu.everywhere(ctx -> 1).join();
      millis[i] = (System.nanoTime() - t0) / 1e6;
      if (answers.size() != n) {
        throw new IllegalStateException("everywhere() answered from " + answers.size() + " daemons, not " + n);
      }
    }
    return round(median(millis), 1);
  }

  /** The middle of an odd number of values (sorts them in place). */
  private static double median(double[] values) {
    Arrays.sort(values);
    return values[values.length / 2];
  }

  private static List<Integer> range(int n) {
    List<Integer> list = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      list.add(i);
    }
    return list;
  }
}
