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
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./kapu bench flight}: the table read in one run from {@code kapu serve} (a child JVM
 * serving a hosted DuckDB file) through the official Flight SQL JDBC driver (plain {@code
 * ResultSet} iteration reading every column), through the ADBC Flight SQL driver (Arrow batches,
 * as a columnar client reads them) and through a plain Flight SQL DoGet ({@link
 * RemoteSql}: GetFlightInfo, then DoGet of each endpoint where it lives), against DuckDB's Arrow
 * export in this process and PostgreSQL through pgJDBC row by row. Each is the median of several
 * readings, after warm-up readings. For each client it also prints the CPU per GB read on both
 * sides, the server side being {@code kapu serve} and its daemon together: what a server-side
 * change does for a client shows there more steadily than in the rate. Then the other way: the
 * same rows uploaded by {@code DoPut} into {@code kapu serve}'s daemon, against a bare Flight
 * server.
 */
@Command(name = "flight", mixinStandardHelpOptions = true,
    description = "kapu serve over Flight SQL (JDBC driver, ADBC driver, plain DoGet) vs in-process DuckDB Arrow export"
        + " vs pgJDBC; uploads by DoPut into kapu serve vs into a bare Flight server.")
final class FlightBench implements Callable<Integer> {
  private static final String PASSWORD = "kapu-bench";
  private static final String SQL = "SELECT * FROM " + BenchTable.TABLE;
  /** DuckDB's Arrow export's batches, as the daemon's hosted DuckDB makes them by default. */
  private static final int BATCH_ROWS = 65536;

  @Mixin
  BenchTable table;

  @Option(names = "--uploads-only", description = "Measure only the uploads and their peer.")
  boolean uploadsOnly;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("kapu-bench-flight");
    try {
      Path served = dir.resolve("served.duckdb");
      table.create(served);
      // kapu serve holds its file for writing; this process reads a copy
      Path local = Files.copy(served, dir.resolve("local.duckdb"));
      Reading inProcess = uploadsOnly ? null : table.inProcess(local, BATCH_ROWS);
      Reading flight = null;
      Reading jdbc = null;
      Reading adbc = null;
      Reading[] puts;
      try (ChildJvm serve = ChildJvm.start(KapuCli.class, List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
          List.of("serve", "--duckdb", served.toString(), "--port", "0", "--daemons", "1", "--password", PASSWORD),
          Duration.ofSeconds(120), "flight_url=")) {
        URI url = URI.create(serve.readyText());
        List<Long> serving = serving(serve.pid());
        if (!uploadsOnly) {
          flight = doGet(url, serving);
          jdbc = jdbc(url, serving);
          adbc = adbc(url, serving);
        }
        puts = puts(local, url, serving);
      }
      BenchTable.sameRows(puts[0], puts[1]);
      BenchMain.print("put_vs_flight_put", puts[0].versus(puts[1]));
      if (uploadsOnly) {
        return 0;
      }
      Reading pg = table.postgres();
      BenchTable.sameRows(inProcess, flight, jdbc, adbc, pg, puts[0]);
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

  /**
   * Uploads, in turn: the table sent by {@code DoPut} from a Flight client of default settings
   * ({@link TableUpload}) into {@code kapu serve}, which passes the batches on to its daemon's
   * memory as they arrive, and into a bare Flight server in another JVM that keeps them in its own
   * ({@link ArrowTablePeer}). Prints both, each with the CPU per GB of the sending side and of the
   * receiving one.
   *
   * @return kapu serve's median reading, then the bare server's
   */
  private Reading[] puts(Path local, URI url, List<Long> serving) throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        ChildJvm peer = ArrowTablePeer.start(local, SQL, BATCH_ROWS);
        TableUpload upload = TableUpload.load(allocator, local, SQL, BATCH_ROWS);
        FlightClient kapu = FlightClient.builder(allocator, new Location(url)).build();
        FlightClient bare = FlightClient.builder(allocator,
            Location.forGrpcInsecure("127.0.0.1", Integer.parseInt(peer.readyText()))).build()) {
      CredentialCallOption auth = kapu.authenticateBasicToken("kapu", PASSWORD).orElseThrow();
      CpuPerGb kapuCpu = new CpuPerGb(serving);
      CpuPerGb bareCpu = new CpuPerGb(peer.pid());
      Reading[] readings = table.measureInTurn(kapuCpu.counting(() -> upload.to(kapu, auth)),
          bareCpu.counting(() -> upload.to(bare)));
      readings[0].report("put");
      kapuCpu.report("put", "client", table.repetitions);
      readings[1].report("flight_put");
      bareCpu.report("flight_put", "client", table.repetitions);
      return readings;
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
