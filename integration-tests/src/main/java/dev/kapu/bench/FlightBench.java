package dev.kapu.bench;

import dev.kapu.client.RemoteSql;
import dev.kapu.client.cli.KapuCli;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.arrow.adbc.core.AdbcConnection;
import org.apache.arrow.adbc.core.AdbcDatabase;
import org.apache.arrow.adbc.core.AdbcDriver;
import org.apache.arrow.adbc.core.AdbcStatement;
import org.apache.arrow.adbc.driver.flightsql.FlightSqlDriver;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code ./kapu bench flight}: the table read in one run from {@code kapu serve} (a child JVM
 * serving a hosted DuckDB file) through the official Flight SQL JDBC driver (plain {@code
 * ResultSet} iteration reading every column), through the ADBC Flight SQL driver (Arrow batches,
 * as a columnar client reads them) and through a plain Flight SQL DoGet ({@link
 * RemoteSql}: GetFlightInfo, then DoGet of each endpoint where it lives), against DuckDB's Arrow
 * export in this process and PostgreSQL through pgJDBC row by row. Each is the median of several
 * readings, after warm-up readings. For each client it also prints the CPU per GB read on both
 * sides, the server side being {@code kapu serve} and its daemon together: what a server-side
 * change does for a client shows there more steadily than in the rate.
 */
@Command(name = "flight", mixinStandardHelpOptions = true,
    description = "kapu serve over Flight SQL (JDBC driver, ADBC driver, plain DoGet) vs in-process DuckDB Arrow export"
        + " vs pgJDBC.")
final class FlightBench implements Callable<Integer> {
  private static final String PASSWORD = "kapu-bench";
  private static final String SQL = "SELECT * FROM " + BenchTable.TABLE;

  @Mixin
  BenchTable table;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("kapu-bench-flight");
    try {
      Path served = dir.resolve("served.duckdb");
      table.create(served);
      // kapu serve holds its file for writing; this process reads a copy
      Path local = Files.copy(served, dir.resolve("local.duckdb"));
      Reading inProcess = table.inProcess(local, 65536);
      Reading flight;
      Reading jdbc;
      Reading adbc;
      try (ChildJvm serve = ChildJvm.start(KapuCli.class, List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
          List.of("serve", "--duckdb", served.toString(), "--port", "0", "--daemons", "1", "--password", PASSWORD),
          Duration.ofSeconds(120), "flight_url=")) {
        URI url = URI.create(serve.readyText());
        List<Long> serving = serving(serve.pid());
        flight = doGet(url, serving);
        jdbc = jdbc(url, serving);
        adbc = adbc(url, serving);
      }
      Reading pg = table.postgres();
      BenchTable.sameRows(inProcess, flight, jdbc, adbc, pg);
      BenchMain.print("flight_vs_inprocess", flight.versus(inProcess));
      BenchMain.print("jdbc_vs_inprocess", jdbc.versus(inProcess));
      BenchMain.print("flight_vs_pgjdbc", flight.versus(pg));
      BenchMain.print("jdbc_vs_pgjdbc", jdbc.versus(pg));
      BenchMain.print("adbc_vs_inprocess", adbc.versus(inProcess));
      BenchMain.print("adbc_vs_pgjdbc", adbc.versus(pg));
      return 0;
    } finally {
      BenchTable.deleteTree(dir);
    }
  }

  /** Timed from the statement (GetFlightInfo) to the last batch of the last endpoint. */
  private Reading doGet(URI url, List<Long> serving) throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        RemoteSql remote = RemoteSql.connect(url, "kapu", PASSWORD, null, allocator)) {
      return measure("flight", serving, () -> {
        long t0 = System.nanoTime();
        try (ArrowReader reader = remote.query(SQL)) {
          return Reading.drain(reader, t0);
        }
      });
    }
  }

  /** The official Flight SQL JDBC driver, every column of every row through the ResultSet. */
  private Reading jdbc(URI url, List<Long> serving) throws Exception {
    String jdbcUrl = "jdbc:arrow-flight-sql://" + url.getHost() + ":" + url.getPort()
        + "/?useEncryption=false&user=kapu&password=" + PASSWORD;
    try (Connection c = DriverManager.getConnection(jdbcUrl)) {
      return measure("jdbc", serving, () -> BenchTable.rowByRow(c, SQL, 0));
    }
  }

  /**
   * The ADBC Flight SQL driver (Java), timed from the statement to the last batch: its reader
   * fetches every endpoint of the FlightInfo, from the daemon that serves it.
   */
  private Reading adbc(URI url, List<Long> serving) throws Exception {
    Map<String, Object> parameters = new HashMap<>();
    AdbcDriver.PARAM_URI.set(parameters, url.toString());
    AdbcDriver.PARAM_USERNAME.set(parameters, "kapu");
    AdbcDriver.PARAM_PASSWORD.set(parameters, PASSWORD);
    try (BufferAllocator allocator = new RootAllocator();
        AdbcDatabase database = new FlightSqlDriver(allocator).open(parameters);
        AdbcConnection connection = database.connect()) {
      return measure("adbc", serving, () -> {
        long t0 = System.nanoTime();
        try (AdbcStatement statement = connection.createStatement()) {
          statement.setSqlQuery(SQL);
          try (AdbcStatement.QueryResult result = statement.executeQuery()) {
            return Reading.drain(result.getReader(), t0);
          }
        }
      });
    }
  }

  /** The median reading of {@code run}, reported as {@code name} with its CPU per GB on both sides. */
  private Reading measure(String name, List<Long> serving, Reading.Run run) throws Exception {
    CpuPerGb cpu = new CpuPerGb(serving);
    Reading reading = table.measure(cpu.counting(run));
    reading.report(name);
    cpu.report(name, table.repetitions);
    return reading;
  }

  /** {@code kapu serve}'s process and its daemons'. */
  private static List<Long> serving(long servePid) {
    ProcessHandle serve = ProcessHandle.of(servePid).orElseThrow();
    return Stream.concat(Stream.of(serve), serve.descendants()).map(ProcessHandle::pid).toList();
  }
}
