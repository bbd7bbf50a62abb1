package dev.kapu.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.duckdb.DuckDBResultSet;
import picocli.CommandLine.Option;

/**
 * The table the streaming benchmarks read (BIGINT id, DOUBLE x, VARCHAR label) in a DuckDB file,
 * and the two peers every such benchmark measures against: DuckDB's Arrow export in this process
 * (the ceiling) and PostgreSQL read row by row through pgJDBC (what users do today). A picocli
 * mixin: its options are the benchmark's.
 */
final class BenchTable {
  static final String TABLE = "t";

  @Option(names = "--rows", defaultValue = "10000000", description = "Rows (default ${DEFAULT-VALUE}).")
  long rows;

  @Option(names = "--repetitions", defaultValue = "10", description = "Timed readings of each way; the median is reported (default ${DEFAULT-VALUE}).")
  int repetitions;

  @Option(names = "--warmup-seconds", defaultValue = "20", description = "Each way is first read untimed for this long, so that"
      + " every JVM involved runs compiled code, as a long-lived daemon does (default ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--pg-url", description = "A PostgreSQL JDBC URL; without it a throwaway server is started.")
  String pgUrl;

  @Option(names = "--pg-user", defaultValue = "postgres")
  String pgUser;

  @Option(names = "--pg-password", defaultValue = "")
  String pgPassword;

  /**
   * Reads untimed for {@code warmupSeconds} (at least once; like JMH's warm-up iterations), then
   * {@code repetitions} times, and keeps the median by time: a stray pause on a shared machine
   * moves it little.
   */
  Reading measure(Reading.Run run) throws Exception {
    long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    do {
      run.run();
    } while (System.nanoTime() < warmupEnd);
    return Reading.median(repetitions, run);
  }

  /**
   * As {@link #measure} for several ways at once, read in turn (one of each per round, in the
   * warm-up too), so that a change in a shared machine's load falls on all of them alike.
   *
   * @return the median reading of each way, in the order given
   */
  Reading[] measureInTurn(Reading.Run... runs) throws Exception {
    long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
    do {
      for (Reading.Run run : runs) {
        run.run();
      }
    } while (System.nanoTime() < warmupEnd);
    List<List<Reading>> readings = new ArrayList<>();
    for (int i = 0; i < runs.length; i++) {
      readings.add(new ArrayList<>());
    }
    for (int round = 0; round < repetitions; round++) {
      for (int i = 0; i < runs.length; i++) {
        readings.get(i).add(runs[i].run());
      }
    }
    Reading[] medians = new Reading[runs.length];
    for (int i = 0; i < runs.length; i++) {
      medians[i] = Reading.median(readings.get(i));
    }
    return medians;
  }

  static String sql(long rows) {
    return "SELECT range AS id, CAST(range AS DOUBLE) * 0.5 AS x, 'item-' || range AS label FROM range(" + rows + ")";
  }

  /** Creates {@code file} holding the table. */
  void create(Path file) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + TABLE + " AS " + sql(rows));
    }
    BenchMain.print("rows", rows);
  }

  static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /**
   * The ceiling: the faster of DuckDB's two ways of producing a result in this process (the
   * median of each), reported as {@code inprocess_*}.
   */
  Reading inProcess(Path file, int batchRows) throws Exception {
    Reading materialized = measure(() -> inProcess(file, false, batchRows));
    Reading streamed = measure(() -> inProcess(file, true, batchRows));
    Reading best = streamed.seconds() < materialized.seconds() ? streamed : materialized;
    BenchMain.print("arrow_mb", BenchMain.round(best.bytes() / 1e6, 1));
    BenchMain.print("inprocess_materialized_seconds", BenchMain.round(materialized.seconds(), 3));
    BenchMain.print("inprocess_streamed_seconds", BenchMain.round(streamed.seconds(), 3));
    best.report("inprocess");
    return best;
  }

  /** Timed like a remote query: from the statement's execution to the last batch. */
  private static Reading inProcess(Path file, boolean streamResults, int batchRows) throws Exception {
    Properties properties = new Properties();
    properties.setProperty("jdbc_stream_results", Boolean.toString(streamResults));
    try (BufferAllocator allocator = new RootAllocator();
        Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, properties);
        PreparedStatement s = c.prepareStatement("SELECT * FROM " + TABLE)) {
      long t0 = System.nanoTime();
      try (DuckDBResultSet rs = (DuckDBResultSet) s.executeQuery();
          ArrowReader reader = (ArrowReader) rs.arrowExportStream(allocator, batchRows)) {
        return Reading.drain(reader, t0);
      }
    }
  }

  /** PostgreSQL through pgJDBC, reported as {@code pgjdbc_*}. */
  Reading postgres() throws Exception {
    Reading pg;
    if (pgUrl != null) {
      pg = pgjdbc(pgUrl, pgUser, pgPassword);
    } else {
      try (ThrowawayPostgres server = ThrowawayPostgres.start()) {
        pg = pgjdbc(server.jdbcUrl(), server.user(), server.password());
      }
    }
    pg.report("pgjdbc");
    return pg;
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
      Reading r = measure(() -> rowByRow(c, "SELECT id, x, label FROM kapu_bench", 50_000));
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE kapu_bench");
      }
      c.commit();
      return r;
    }
  }

  /**
   * Reads every column of every row through plain JDBC; bytes count 16 for the two numbers and
   * the label's characters, about what the Arrow buffers hold.
   */
  static Reading rowByRow(Connection c, String sql, int fetchSize) throws Exception {
    long t0 = System.nanoTime();
    long count = 0;
    long bytes = 0;
    long idSum = 0;
    try (Statement s = c.createStatement()) {
      s.setFetchSize(fetchSize);
      try (ResultSet rs = s.executeQuery(sql)) {
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
    return new Reading(count, bytes, idSum, (System.nanoTime() - t0) / 1e9);
  }

  /** Fails unless every reading saw the same rows. */
  static void sameRows(Reading reference, Reading... others) {
    for (Reading other : others) {
      if (other.rows() != reference.rows() || other.idSum() != reference.idSum()) {
        throw new IllegalStateException("the readings disagree: " + reference + " vs " + other);
      }
    }
  }
}
