package dev.kapu.bench;

import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightGrpcUtils;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.grpc.NettyClientBuilder;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./kapu bench streams}: where the time of a {@code DoGet} between two JVMs goes. One table
 * held in memory by bare Flight servers in other JVMs ({@link ArrowTablePeer}), read in full by a
 * Flight client in this one, with one transport setting turned at a time against Flight's defaults.
 * The settings are read in turn, round after round, so that a change in the machine's load falls
 * on all of them alike; each prints its median rate and its spread ({@code streams_NAME_mb_per_s},
 * {@code streams_NAME_min_mb_per_s}, {@code streams_NAME_max_mb_per_s}) and its ratio to the
 * default ({@code streams_NAME_vs_default}).
 */
@Command(name = "streams", mixinStandardHelpOptions = true,
    description = "DoGet of an in-memory table between two JVMs, one transport setting at a time.")
final class StreamBench implements Callable<Integer> {
  private static final int MIB = 1 << 20;
  private static final com.sun.management.OperatingSystemMXBean PROCESS =
      (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  @Mixin
  BenchTable table;

  @Option(names = "--only", split = ",", description = "Settings to read, by name (default all).")
  List<String> only = new ArrayList<>();

  @Option(names = "--server-jvm-option", description = "A JVM option for every server; repeatable.")
  List<String> serverJvmOptions = new ArrayList<>();

  /** What one setting's readings cost: wall time, and the CPU time of either side. */
  private static final class Tally {
    final List<Reading> readings = new ArrayList<>();
    long bytes;
    long clientCpuNanos;
    long serverCpuNanos;
  }

  /** A server and the client that reads it. */
  private record Peer(ChildJvm server, FlightClient client) {}

  /** One way of reading: a server's settings and the client's channel. */
  private record Setting(String name, int batchRows, List<String> server, UnaryOperator<NettyChannelBuilder> client) {}

  private static List<Setting> settings() {
    UnaryOperator<NettyChannelBuilder> defaults = c -> c;
    List<String> zeroCopy = List.of("zeroCopy=true");
    List<String> paced = List.of("zeroCopy=true", "pace=kapu");
    List<String> readyAhead = List.of("zeroCopy=true", "pace=kapu", "readyBytes=" + 8 * MIB);
    return List.of(
        new Setting("default", 65536, List.of(), defaults),
        new Setting("zero_copy", 65536, zeroCopy, defaults),
        new Setting("batch_16k", 16384, zeroCopy, defaults),
        new Setting("batch_256k", 262144, zeroCopy, defaults),
        new Setting("window_16m_fixed", 65536, zeroCopy, c -> c.flowControlWindow(16 * MIB)),
        new Setting("window_16m_auto", 65536, zeroCopy, c -> c.initialFlowControlWindow(16 * MIB)),
        // Kapu's daemons: zero-copy, waiting for readiness before each batch
        new Setting("paced", 65536, paced, defaults),
        // and letting a few batches wait queued (gRPC counts a stream ready below 32 KiB queued)
        new Setting("paced_ready_8m", 65536, readyAhead, defaults),
        new Setting("paced_ready_8m_window_16m", 65536, readyAhead, c -> c.initialFlowControlWindow(16 * MIB)));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("kapu-bench-streams");
    List<AutoCloseable> open = new ArrayList<>();
    try (BufferAllocator allocator = new RootAllocator()) {
      Path file = dir.resolve("bench.duckdb");
      table.create(file);
      String sql = "SELECT * FROM " + BenchTable.TABLE;
      Map<Setting, Peer> peers = new LinkedHashMap<>();
      for (Setting s : settings()) {
        if (!only.isEmpty() && !only.contains(s.name())) {
          continue;
        }
        List<String> args = new ArrayList<>(List.of(file.toString(), sql, Integer.toString(s.batchRows())));
        args.addAll(s.server());
        ChildJvm server = ChildJvm.start(ArrowTablePeer.class, serverJvmOptions, args, Duration.ofSeconds(120));
        open.add(server);
        NettyChannelBuilder channel = new NettyClientBuilder(allocator,
            Location.forGrpcInsecure("127.0.0.1", Integer.parseInt(server.readyText()))).build();
        FlightClient client = FlightGrpcUtils.createFlightClient(allocator, s.client().apply(channel).build());
        open.add(0, client);
        peers.put(s, new Peer(server, client));
      }
      Map<Setting, Tally> tallies = new LinkedHashMap<>();
      long warmupEnd = System.nanoTime() + (long) (table.warmupSeconds * 1e9);
      do {
        for (Peer peer : peers.values()) {
          read(peer.client());
        }
      } while (System.nanoTime() < warmupEnd);
      for (int round = 0; round < table.repetitions; round++) {
        for (Map.Entry<Setting, Peer> e : peers.entrySet()) {
          Tally tally = tallies.computeIfAbsent(e.getKey(), k -> new Tally());
          long client0 = PROCESS.getProcessCpuTime();
          long server0 = e.getValue().server().cpuTime().toNanos();
          Reading reading = read(e.getValue().client());
          tally.clientCpuNanos += PROCESS.getProcessCpuTime() - client0;
          tally.serverCpuNanos += e.getValue().server().cpuTime().toNanos() - server0;
          tally.bytes += reading.bytes();
          tally.readings.add(reading);
        }
      }
      report(tallies);
      return 0;
    } finally {
      for (AutoCloseable c : open) {
        c.close();
      }
      BenchTable.deleteTree(dir);
    }
  }

  private static Reading read(FlightClient client) throws Exception {
    long t0 = System.nanoTime();
    try (FlightStream stream = client.getStream(new Ticket(new byte[] {1}))) {
      return Reading.drain(stream.getRoot(), stream::next, t0);
    }
  }

  /**
   * Prints each setting's median rate, its slowest and fastest reading, and the CPU time either
   * side spent per GB: on a shared machine the rate moves with the load, the CPU cost much less.
   */
  private static void report(Map<Setting, Tally> tallies) {
    Double base = null;
    for (Map.Entry<Setting, Tally> e : tallies.entrySet()) {
      Tally tally = e.getValue();
      List<Reading> sorted = new ArrayList<>(tally.readings);
      sorted.sort((a, b) -> Double.compare(a.seconds(), b.seconds()));
      BenchTable.sameRows(sorted.get(0), sorted.toArray(Reading[]::new));
      Reading median = sorted.get((sorted.size() - 1) / 2);
      String name = "streams_" + e.getKey().name();
      BenchMain.print(name + "_mb_per_s", BenchMain.round(median.mbPerSecond(), 1));
      BenchMain.print(name + "_min_mb_per_s", BenchMain.round(sorted.get(sorted.size() - 1).mbPerSecond(), 1));
      BenchMain.print(name + "_max_mb_per_s", BenchMain.round(sorted.get(0).mbPerSecond(), 1));
      BenchMain.print(name + "_client_cpu_ms_per_gb", Math.round(tally.clientCpuNanos / 1e6 / (tally.bytes / 1e9)));
      BenchMain.print(name + "_server_cpu_ms_per_gb", Math.round(tally.serverCpuNanos / 1e6 / (tally.bytes / 1e9)));
      if (base == null && e.getKey().name().equals("default")) {
        base = median.mbPerSecond();
      }
      if (base != null) {
        BenchMain.print(name + "_vs_default", BenchMain.round(median.mbPerSecond() / base, 2));
      }
    }
  }
}
