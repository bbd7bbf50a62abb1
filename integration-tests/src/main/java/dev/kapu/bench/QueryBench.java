package dev.kapu.bench;

import dev.kapu.api.ResourceSpec;
import dev.kapu.api.TaskOptions;
import dev.kapu.api.builtin.ReadTableTask;
import dev.kapu.client.Kapu;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./kapu bench query}: the same rows (BIGINT, DOUBLE, VARCHAR) read in one run through
 * {@code kapu.query} from a daemon's DuckDB, through DuckDB's Arrow export in this process (the
 * ceiling), through a bare Flight DoGet from another JVM (the transport's ceiling) and from
 * PostgreSQL through pgJDBC row by row (what users do today). Then the same rows held as a table
 * by an {@code arrow} resource in the daemon's memory and streamed by DoGet from the daemon's
 * endpoint, against the same batches held by a bare Flight server in another JVM (Flight's default
 * settings, {@link ArrowTablePeer}) and against the same bytes over plain TCP ({@link
 * TcpTablePeer}). Each is the median of several readings.
 */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = "kapu.query vs in-process DuckDB Arrow export vs PostgreSQL over pgJDBC; a daemon's in-memory table vs a bare Flight server's and vs the same bytes over plain TCP.")
final class QueryBench implements Callable<Integer> {
  /** The name of the table the arrow resource holds. */
  private static final String HELD = "held";

  @Mixin
  BenchTable table;

  @Option(names = "--batch-rows", defaultValue = "65536", description = "Rows per Arrow batch from DuckDB (default ${DEFAULT-VALUE}).")
  int batchRows;

  @Option(names = "--daemon-jvm-option", description = "A JVM option for the daemon; repeatable.")
  List<String> daemonJvmOptions = new ArrayList<>();

  @Option(names = "--held-table-only", description = "Read only the held table and its two peers.")
  boolean heldTableOnly;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("kapu-bench-query");
    try {
      Path file = dir.resolve("bench.duckdb");
      table.create(file);
      if (heldTableOnly) {
        reportHeldTables(file);
        return 0;
      }
      Reading inProcess = table.inProcess(file, batchRows);
      Reading kapu = kapuQuery(file);
      kapu.report("query");
      // The transport alone: DuckDB's export served by a bare Flight server in another JVM.
      Reading flight = FlightDoGetPeer.read(file, "SELECT * FROM " + BenchTable.TABLE, table);
      flight.report("flight_doget");
      Reading held = reportHeldTables(file);
      Reading pg = table.postgres();
      BenchTable.sameRows(inProcess, kapu, flight, held, pg);
      BenchMain.print("query_vs_inprocess", kapu.versus(inProcess));
      BenchMain.print("query_vs_flight_doget", kapu.versus(flight));
      BenchMain.print("query_vs_pgjdbc", kapu.versus(pg));
      return 0;
    } finally {
      BenchTable.deleteTree(dir);
    }
  }

  /**
   * A table in daemon memory: an arrow resource's, against the same batches held by a bare Flight
   * server and the same bytes over plain TCP; prints the three and their ratios.
   *
   * @return the daemon's reading
   */
  private Reading reportHeldTables(Path file) throws Exception {
    HeldTables heldTables = heldTables(file);
    Reading held = heldTables.daemon();
    held.report("table");
    Reading heldPeer = heldTables.peer();
    heldPeer.report("flight_table");
    Reading wire = heldTables.wire();
    wire.report("tcp_table");
    double cpu = heldTables.daemonCpu().report("table", table.repetitions);
    double peerCpu = heldTables.peerCpu().report("flight_table", table.repetitions);
    heldTables.wireCpu().report("tcp_table", table.repetitions);
    BenchTable.sameRows(held, heldPeer);
    BenchMain.print("table_gb_per_s", BenchMain.round(held.mbPerSecond() / 1000, 2));
    BenchMain.print("flight_table_gb_per_s", BenchMain.round(heldPeer.mbPerSecond() / 1000, 2));
    BenchMain.print("tcp_table_gb_per_s", BenchMain.round(wire.mbPerSecond() / 1000, 2));
    BenchMain.print("table_vs_flight_table", held.versus(heldPeer));
    BenchMain.print("table_vs_flight_table_cpu_per_gb", BenchMain.round(peerCpu / cpu, 2));
    BenchMain.print("table_vs_tcp_table", held.versus(wire));
    BenchMain.print("flight_table_vs_tcp_table", heldPeer.versus(wire));
    return held;
  }

  /** The three readings of the held table, and what each cost in CPU per GB. */
  private record HeldTables(Reading daemon, Reading peer, Reading wire,
      CpuPerGb daemonCpu, CpuPerGb peerCpu, CpuPerGb wireCpu) {}

  /**
   * The result held as a table by an {@code arrow} resource in the daemon's memory, read with
   * {@link ReadTableTask} (the daemon streams it by {@code DoGet} from its own endpoint), and the
   * same batches held by a bare Flight server in another JVM read by a default Flight client, and
   * the bytes of those batches over plain TCP from a third JVM ({@link TcpTablePeer}, the wire's
   * ceiling); the three are read in turn, round after round.
   */
  private HeldTables heldTables(Path file) throws Exception {
    String sql = "SELECT * FROM " + BenchTable.TABLE;
    try (Kapu kapu = Kapu.builder()
            .resource(duckdb(file))
            .resource(ResourceSpec.pinned("memory", "arrow", Map.of()))
            .jvmOptions(daemonJvmOptions.toArray(String[]::new))
            .daemons(1)
            .local();
        ChildJvm peer = ArrowTablePeer.start(file, sql, batchRows);
        ChildJvm tcpPeer = TcpTablePeer.start(file, sql, batchRows);
        TcpTablePeer.Reader wire = new TcpTablePeer.Reader(tcpPeer);
        BufferAllocator allocator = new RootAllocator();
        FlightClient client = FlightClient.builder(allocator,
            Location.forGrpcInsecure("127.0.0.1", Integer.parseInt(peer.readyText()))).build()) {
      kapu.submit(ctx -> {
        ctx.tables().put(HELD, ctx.query("bench", sql));
        return ctx.tables().rowCount(HELD);
      }, TaskOptions.on("bench", "memory")).get();
      CpuPerGb daemonCpu = new CpuPerGb(kapu.status().daemons().get(0).pid());
      CpuPerGb peerCpu = new CpuPerGb(peer.pid());
      CpuPerGb wireCpu = new CpuPerGb(tcpPeer.pid());
      Reading[] readings = table.measureInTurn(daemonCpu.counting(() -> {
        long t0 = System.nanoTime();
        try (ArrowReader reader = kapu.submit(new ReadTableTask(HELD), TaskOptions.on(HELD)).get()) {
          return Reading.drain(reader, t0);
        }
      }), peerCpu.counting(() -> ArrowTablePeer.read(client)), wireCpu.counting(wire::read));
      return new HeldTables(readings[0], readings[1], readings[2], daemonCpu, peerCpu, wireCpu);
    }
  }

  private ResourceSpec duckdb(Path file) {
    return ResourceSpec.replicated("bench", "duckdb", Map.of("path", file.toString(), "readOnly", "true",
        "batchRows", Integer.toString(batchRows)));
  }

  private Reading kapuQuery(Path file) throws Exception {
    try (Kapu kapu = Kapu.builder()
        .resource(duckdb(file))
        .jvmOptions(daemonJvmOptions.toArray(String[]::new))
        .daemons(1)
        .local()) {
      return table.measure(() -> {
        long t0 = System.nanoTime();
        try (ArrowReader reader = kapu.query("bench", "SELECT * FROM " + BenchTable.TABLE)) {
          return Reading.drain(reader, t0);
        }
      });
    }
  }
}
