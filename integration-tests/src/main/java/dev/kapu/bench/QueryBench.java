package dev.kapu.bench;

import dev.kapu.api.ResourceSpec;
import dev.kapu.client.Kapu;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.arrow.vector.ipc.ArrowReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./kapu bench query}: the same rows (BIGINT, DOUBLE, VARCHAR) read in one run through
 * {@code kapu.query} from a daemon's DuckDB, through DuckDB's Arrow export in this process (the
 * ceiling), through a bare Flight DoGet from another JVM (the transport's ceiling) and from
 * PostgreSQL through pgJDBC row by row (what users do today). Each is the median of several
 * readings.
 */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = "kapu.query vs in-process DuckDB Arrow export vs PostgreSQL over pgJDBC.")
final class QueryBench implements Callable<Integer> {

  @Mixin
  BenchTable table;

  @Option(names = "--batch-rows", defaultValue = "65536", description = "Rows per Arrow batch from DuckDB (default ${DEFAULT-VALUE}).")
  int batchRows;

  @Option(names = "--daemon-jvm-option", description = "A JVM option for the daemon; repeatable.")
  List<String> daemonJvmOptions = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("kapu-bench-query");
    try {
      Path file = dir.resolve("bench.duckdb");
      table.create(file);
      Reading inProcess = table.inProcess(file, batchRows);
      Reading kapu = kapuQuery(file);
      kapu.report("query");
      // The transport alone: DuckDB's export served by a bare Flight server in another JVM.
      Reading flight = FlightDoGetPeer.read(file, "SELECT * FROM " + BenchTable.TABLE, table);
      flight.report("flight_doget");
      Reading pg = table.postgres();
      BenchTable.sameRows(inProcess, kapu, flight, pg);
      BenchMain.print("query_vs_inprocess", kapu.versus(inProcess));
      BenchMain.print("query_vs_flight_doget", kapu.versus(flight));
      BenchMain.print("query_vs_pgjdbc", kapu.versus(pg));
      return 0;
    } finally {
      BenchTable.deleteTree(dir);
    }
  }

  private Reading kapuQuery(Path file) throws Exception {
    try (Kapu kapu = Kapu.builder()
        .resource(ResourceSpec.replicated("bench", "duckdb", Map.of("path", file.toString(), "readOnly", "true",
            "batchRows", Integer.toString(batchRows))))
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
