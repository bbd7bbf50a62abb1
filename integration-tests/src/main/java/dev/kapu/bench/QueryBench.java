package dev.kapu.bench;

import dev.kapu.client.Kapu;
import dev.kapu.daemon.ResourceSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBResultSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./kapu bench query}: the same rows (BIGINT, DOUBLE, VARCHAR) read three ways in one run —
 * through {@code kapu.query} from a daemon's DuckDB, through DuckDB's Arrow export in this process
 * (the ceiling), and from PostgreSQL through pgJDBC row by row (what users do today).
 */
@Command(name = "query", mixinStandardHelpOptions = true,
    description = "kapu.query vs in-process DuckDB Arrow export vs PostgreSQL over pgJDBC.")
final class QueryBench implements Callable<Integer> {

  @Option(names = "--rows", defaultValue = "10000000", description = "Rows (default ${DEFAULT-VALUE}).")
  long rows;

  @Option(names = "--batch-rows", defaultValue = "65536", description = "Rows per Arrow batch from DuckDB (default ${DEFAULT-VALUE}).")
  int batchRows;

  @Option(names = "--daemon-jvm-option", description = "A JVM option for the daemon; repeatable.")
  java.util.List<String> daemonJvmOptions = new java.util.ArrayList<>();

  @Option(names = "--pg-url", description = "A PostgreSQL JDBC URL; without it a throwaway server is started.")
  String pgUrl;

  @Option(names = "--pg-user", defaultValue = "postgres")
  String pgUser;

  @Option(names = "--pg-password", defaultValue = "")
  String pgPassword;

  /** What one reading of the table saw; the id sum proves every way read the same rows. */
  record Reading(long rows, long bytes, long idSum, double seconds) {
    double mbPerSecond() {
      return bytes / 1e6 / seconds;
    }

    double rowsPerSecond() {
      return rows / seconds;
    }
  }

  static String tableSql(long rows) {
    return "SELECT range AS id, CAST(range AS DOUBLE) * 0.5 AS x, 'item-' || range AS label FROM range(" + rows + ")";
  }

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("kapu-bench-query");
    try {
      Path file = dir.resolve("bench.duckdb");
      try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE t AS " + tableSql(rows));
      }
      BenchMain.print("rows", rows);
      // The ceiling is the faster of DuckDB's two ways of producing a result in this process.
      Reading materialized = bestOf(2, () -> inProcess(file, false));
      Reading streamed = bestOf(2, () -> inProcess(file, true));
      Reading inProcess = streamed.seconds() < materialized.seconds() ? streamed : materialized;
      BenchMain.print("arrow_mb", BenchMain.round(inProcess.bytes() / 1e6, 1));
      BenchMain.print("inprocess_materialized_seconds", BenchMain.round(materialized.seconds(), 3));
      BenchMain.print("inprocess_streamed_seconds", BenchMain.round(streamed.seconds(), 3));
      report("inprocess", inProcess);
      Reading kapu = kapuQuery(file);
      report("query", kapu);
      // The transport alone: DuckDB's export served by a bare Flight server in another JVM.
      Reading flight = FlightDoGetPeer.read(file, "SELECT * FROM t");
      report("flight_doget", flight);
      Reading pg = postgres();
      report("pgjdbc", pg);
      if (kapu.idSum() != inProcess.idSum() || pg.idSum() != inProcess.idSum()) {
        throw new IllegalStateException("the three readings disagree: " + inProcess + " " + kapu + " " + pg);
      }
      BenchMain.print("query_vs_inprocess", BenchMain.round(kapu.rowsPerSecond() / inProcess.rowsPerSecond(), 2));
      BenchMain.print("query_vs_flight_doget", BenchMain.round(kapu.rowsPerSecond() / flight.rowsPerSecond(), 2));
      BenchMain.print("query_vs_pgjdbc", BenchMain.round(kapu.rowsPerSecond() / pg.rowsPerSecond(), 2));
      return 0;
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void report(String name, Reading r) {
    BenchMain.print(name + "_seconds", BenchMain.round(r.seconds(), 3));
    BenchMain.print(name + "_mb_per_s", BenchMain.round(r.mbPerSecond(), 1));
    BenchMain.print(name + "_rows_per_s", Math.round(r.rowsPerSecond()));
  }

  interface Run {
    Reading run() throws Exception;
  }

  private static Reading bestOf(int times, Run run) throws Exception {
    Reading best = null;
    for (int i = 0; i < times; i++) {
      Reading r = run.run();
      if (best == null || r.seconds() < best.seconds()) {
        best = r;
      }
    }
    return best;
  }

  /** Timed like kapu.query: from the statement's execution to the last batch. */
  private Reading inProcess(Path file, boolean streamResults) throws Exception {
    java.util.Properties properties = new java.util.Properties();
    properties.setProperty("jdbc_stream_results", Boolean.toString(streamResults));
    try (BufferAllocator allocator = new RootAllocator();
        Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, properties);
        PreparedStatement s = c.prepareStatement("SELECT * FROM t")) {
      long t0 = System.nanoTime();
      try (DuckDBResultSet rs = (DuckDBResultSet) s.executeQuery();
          ArrowReader reader = (ArrowReader) rs.arrowExportStream(allocator, batchRows)) {
        return drain(reader, t0);
      }
    }
  }

  private Reading kapuQuery(Path file) throws Exception {
    try (Kapu kapu = Kapu.builder()
        .resource(ResourceSpec.replicated("bench", "duckdb", Map.of("path", file.toString(), "readOnly", "true",
            "batchRows", Integer.toString(batchRows))))
        .jvmOptions(daemonJvmOptions.toArray(String[]::new))
        .daemons(1)
        .local()) {
      try (ArrowReader warm = kapu.query("bench", "SELECT * FROM t LIMIT 100000")) {
        drain(warm, System.nanoTime());
      }
      return bestOf(2, () -> {
        long t0 = System.nanoTime();
        try (ArrowReader reader = kapu.query("bench", "SELECT * FROM t")) {
          return drain(reader, t0);
        }
      });
    }
  }

  /** Reads every batch, sums the ids and counts the bytes of every buffer. */
  static Reading drain(ArrowReader reader, long t0) throws Exception {
    VectorSchemaRoot root = reader.getVectorSchemaRoot();
    long count = 0;
    long bytes = 0;
    long idSum = 0;
    while (reader.loadNextBatch()) {
      int n = root.getRowCount();
      count += n;
      BigIntVector ids = (BigIntVector) root.getVector(0);
      for (int i = 0; i < n; i++) {
        idSum += ids.get(i);
      }
      for (FieldVector v : root.getFieldVectors()) {
        for (ArrowBuf buf : v.getFieldBuffers()) {
          bytes += buf.readableBytes();
        }
      }
    }
    return new Reading(count, bytes, idSum, (System.nanoTime() - t0) / 1e9);
  }

  private Reading postgres() throws Exception {
    if (pgUrl != null) {
      return pgjdbc(pgUrl, pgUser, pgPassword);
    }
    try (ThrowawayPostgres pg = ThrowawayPostgres.start()) {
      return pgjdbc(pg.jdbcUrl(), pg.user(), pg.password());
    }
  }

  /** Loads the rows into PostgreSQL, then reads them row by row with a streaming fetch size. */
  private Reading pgjdbc(String url, String user, String password) throws Exception {
    try (Connection c = DriverManager.getConnection(url, user, password)) {
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS kapu_bench");
        s.execute("CREATE UNLOGGED TABLE kapu_bench AS SELECT g AS id, g * 0.5::float8 AS x, 'item-' || g AS label"
            + " FROM generate_series(0, " + (rows - 1) + ") AS g");
      }
      c.setAutoCommit(false); // pgJDBC streams with a fetch size only inside a transaction
      long t0 = System.nanoTime();
      long count = 0;
      long bytes = 0;
      long idSum = 0;
      try (Statement s = c.createStatement()) {
        s.setFetchSize(50_000);
        try (ResultSet rs = s.executeQuery("SELECT id, x, label FROM kapu_bench")) {
          while (rs.next()) {
            long id = rs.getLong(1);
            rs.getDouble(2);
            String label = rs.getString(3);
            idSum += id;
            bytes += 16 + label.length();
            count++;
          }
        }
      }
      Reading r = new Reading(count, bytes, idSum, (System.nanoTime() - t0) / 1e9);
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE kapu_bench");
      }
      c.commit();
      return r;
    }
  }
}
