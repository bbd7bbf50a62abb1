package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kapu.client.launch.WorkerCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kapu query} as a separate JVM against {@code kapu serve} in another: every output format
 * read back with a reader of its own (CSV parsed, JSON with Jackson, Arrow with ArrowFileReader,
 * Parquet with DuckDB), failures as one line and an exit code, TLS, and the local mode.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class QueryCliTest {
  static final String PASSWORD = "s3cret-for-tests";
  static final int ROWS = 100_000; // several batches
  static final String SQL = "SELECT range AS id, range * 0.5 AS half, 'item ' || range AS label,"
      + " CASE WHEN range % 10 = 0 THEN NULL ELSE range END AS sometimes FROM range(" + ROWS + ")";

  static ServeProcess serve;
  static String url;

  @TempDir
  Path dir;

  @BeforeAll
  static void start() throws Exception {
    serve = ServeProcess.start("--port", "0", "--daemons", "1", "--password", PASSWORD);
    url = serve.printed.get("flight_url");
  }

  @AfterAll
  static void stop() throws Exception {
    if (serve != null) {
      serve.stop();
    }
  }

  record Run(int exit, String stdout, String stderr) {}

  /** {@code kapu query ARGS} in a JVM of its own, with KAPU_PASSWORD set (unless null). */
  static Run query(String password, String... args) throws Exception {
    List<String> command = ThisJvmCommand.of(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
        "dev.kapu.client.cli.KapuCli", "query");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("KAPU_PASSWORD");
    if (password != null) {
      builder.environment().put("KAPU_PASSWORD", password);
    }
    Process process = builder.start();
    process.getOutputStream().close();
    CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
    CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
    assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("kapu query ends").isTrue();
    return new Run(process.exitValue(), new String(stdout.get(), StandardCharsets.UTF_8),
        new String(stderr.get(), StandardCharsets.UTF_8));
  }

  private static byte[] readAll(java.io.InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static Run remote(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--url", url));
    all.addAll(List.of(args));
    return query(PASSWORD, all.toArray(String[]::new));
  }

  @Test
  void statementsThatChangeDataRunAsUpdates() throws Exception {
    Run create = remote("CREATE TABLE cli_made AS SELECT range AS n FROM range(5)");
    assertThat(create.exit()).as(create.stderr()).isZero();
    Run insert = remote("INSERT INTO cli_made VALUES (10), (11)");
    assertThat(insert.exit()).as(insert.stderr()).isZero();
    assertThat(insert.stdout()).isEqualTo("2 rows changed\n");
    Run read = remote("--format", "csv", "SELECT count(*) AS n, sum(n) AS total FROM cli_made");
    assertThat(read.stdout()).isEqualTo("n,total\n7,31\n");
  }

  @Test
  void csvOnAPipeByDefault() throws Exception {
    Run run = remote("SELECT 'a,b' AS comma, 'say \"hi\"' AS quote, 'two\nlines' AS newline, NULL AS nothing, 7 AS n"
        + " UNION ALL " + "SELECT 'plain', '', 'x', 'y', 8");
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout()).isEqualTo("comma,quote,newline,nothing,n\n"
        + "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,7\n"
        + "plain,\"\",x,y,8\n"); // an empty string is "", NULL an empty field

    Run many = remote("--format", "csv", SQL);
    List<String> lines = many.stdout().lines().toList();
    assertThat(lines).hasSize(ROWS + 1);
    assertThat(lines.get(0)).isEqualTo("id,half,label,sometimes");
    assertThat(lines.get(1)).isEqualTo("0,0.0,item 0,");
    assertThat(lines.get(ROWS)).isEqualTo((ROWS - 1) + "," + (ROWS - 1) * 0.5 + ",item " + (ROWS - 1) + "," + (ROWS - 1));
  }

  @Test
  void jsonIsAnArrayOfObjects() throws Exception {
    Path file = dir.resolve("result.json"); // the format follows the extension
    Run run = remote("--output", file.toString(), SQL);
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout()).isEmpty();
    List<Map<String, Object>> rows = new ObjectMapper().readValue(file.toFile(),
        new com.fasterxml.jackson.core.type.TypeReference<>() {});
    assertThat(rows).hasSize(ROWS);
    assertThat(rows.get(0)).containsOnlyKeys("id", "half", "label", "sometimes")
        .containsEntry("id", 0).containsEntry("half", 0.0).containsEntry("label", "item 0");
    assertThat(rows.get(0).get("sometimes")).as("null as null").isNull();
    assertThat(rows.get(3)).containsEntry("id", 3).containsEntry("half", 1.5).containsEntry("sometimes", 3);
    long idSum = rows.stream().mapToLong(r -> ((Number) r.get("id")).longValue()).sum();
    assertThat(idSum).isEqualTo((long) ROWS * (ROWS - 1) / 2);
  }

  @Test
  void arrowIsAnIpcFile() throws Exception {
    Path file = dir.resolve("result.bin");
    Run run = remote("--format", "arrow", "-o", file.toString(), SQL);
    assertThat(run.exit()).as(run.stderr()).isZero();
    long rows = 0;
    long idSum = 0;
    try (BufferAllocator allocator = new RootAllocator();
        ArrowFileReader reader = new ArrowFileReader(Files.newByteChannel(file), allocator)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      assertThat(root.getSchema().getFields()).extracting(f -> f.getName())
          .containsExactly("id", "half", "label", "sometimes");
      assertThat(reader.getRecordBlocks()).hasSizeGreaterThan(1);
      while (reader.loadNextBatch()) {
        BigIntVector ids = (BigIntVector) root.getVector("id");
        VarCharVector labels = (VarCharVector) root.getVector("label");
        for (int i = 0; i < root.getRowCount(); i++) {
          idSum += ids.get(i);
          assertThat(labels.getObject(i).toString()).isEqualTo("item " + ids.get(i));
        }
        rows += root.getRowCount();
      }
    }
    assertThat(rows).isEqualTo(ROWS);
    assertThat(idSum).isEqualTo((long) ROWS * (ROWS - 1) / 2);
  }

  @Test
  void parquetIsReadableByDuckDb() throws Exception {
    Path file = dir.resolve("result.parquet");
    Run run = remote("-o", file.toString(), SQL);
    assertThat(run.exit()).as(run.stderr()).isZero();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*), sum(id), count(sometimes), max(label),"
            + " typeof(any_value(half)) FROM read_parquet('" + file + "')")) {
      assertThat(r.next()).isTrue();
      assertThat(r.getLong(1)).isEqualTo(ROWS);
      assertThat(r.getLong(2)).isEqualTo((long) ROWS * (ROWS - 1) / 2);
      assertThat(r.getLong(3)).isEqualTo(ROWS - ROWS / 10);
      assertThat(r.getString(4)).isEqualTo("item 99999");
      assertThat(r.getString(5)).isEqualTo("DECIMAL(21,1)");
    }
    assertThat(Files.list(dir)).as("no partial file left").containsExactly(file);
  }

  /** The color of row {@code id} in {@link #ENUMS}; null every fourth row. */
  static String color(long id) {
    return new String[] {"red", "green", "blue", null}[(int) (id % 4)];
  }

  static final String ENUMS = "SELECT range AS id, CASE range % 4 WHEN 0 THEN 'red' WHEN 1 THEN 'green'"
      + " WHEN 2 THEN 'blue' END::ENUM('red', 'green', 'blue') AS color FROM range(" + ROWS + ")";

  /**
   * An ENUM column, which DuckDB exports dictionary-encoded, reads as its values in every format,
   * locally and from a server: the dictionaries travel with the batches (and into an Arrow file).
   */
  @Test
  void enumColumnsAreTheirValues() throws Exception {
    for (boolean local : List.of(true, false)) {
      String where = local ? "local" : "--url";
      Run table = run(local, "--format", "table", "--max-rows", "5", ENUMS);
      assertThat(table.exit()).as(table.stderr()).isZero();
      assertThat(table.stdout()).as(where).isEqualTo("id | color\n---+------\n0  | red\n1  | green\n2  | blue\n3  | NULL\n"
          + "4  | red\n(100000 rows; first 5 shown, 99995 more: --max-rows N, or --format csv)\n");

      List<String> csv = run(local, "--format", "csv", ENUMS).stdout().lines().toList();
      assertThat(csv).as(where).hasSize(ROWS + 1);
      for (int id = 0; id < ROWS; id++) {
        assertThat(csv.get(id + 1)).isEqualTo(id + "," + (color(id) == null ? "" : color(id)));
      }

      Path json = dir.resolve(where + ".json");
      assertThat(run(local, "-o", json.toString(), ENUMS).exit()).isZero();
      List<Map<String, Object>> rows = new ObjectMapper().readValue(json.toFile(),
          new com.fasterxml.jackson.core.type.TypeReference<>() {});
      assertThat(rows).as(where).hasSize(ROWS);
      for (Map<String, Object> row : rows) {
        assertThat(row.get("color")).isEqualTo(color(((Number) row.get("id")).longValue()));
      }

      Path arrow = dir.resolve(where + ".arrow");
      assertThat(run(local, "-o", arrow.toString(), ENUMS).exit()).isZero();
      long read = 0;
      try (BufferAllocator allocator = new RootAllocator();
          ArrowFileReader reader = new ArrowFileReader(Files.newByteChannel(arrow), allocator)) {
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        assertThat(reader.getRecordBlocks()).hasSizeGreaterThan(1);
        while (reader.loadNextBatch()) {
          BigIntVector ids = (BigIntVector) root.getVector("id");
          BaseIntVector indices = (BaseIntVector) root.getVector("color");
          VarCharVector values = (VarCharVector) reader.lookup(indices.getField().getDictionary().getId()).getVector();
          for (int i = 0; i < root.getRowCount(); i++, read++) {
            assertThat(indices.isNull(i) ? null : values.getObject((int) indices.getValueAsLong(i)).toString())
                .isEqualTo(color(ids.get(i)));
          }
        }
      }
      assertThat(read).as(where).isEqualTo(ROWS);

      Path parquet = dir.resolve(where + ".parquet");
      assertThat(run(local, "-o", parquet.toString(), ENUMS).exit()).isZero();
      try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
          Statement s = c.createStatement();
          ResultSet r = s.executeQuery("SELECT count(*), count(*) FILTER (color IS NOT DISTINCT FROM CASE id % 4"
              + " WHEN 0 THEN 'red' WHEN 1 THEN 'green' WHEN 2 THEN 'blue' END), typeof(any_value(color))"
              + " FROM read_parquet('" + parquet + "')")) {
        assertThat(r.next()).isTrue();
        assertThat(r.getLong(1)).as(where).isEqualTo(ROWS);
        assertThat(r.getLong(2)).as(where + ": rows with the right color").isEqualTo(ROWS);
        assertThat(r.getString(3)).isEqualTo("VARCHAR");
      }
    }
  }

  /** {@code kapu query ARGS} on local daemons, or on the server. */
  static Run run(boolean local, String... args) throws Exception {
    return local ? query(null, args) : remote(args);
  }

  @Test
  void catalogIsASessionOption() throws Exception {
    Run run = remote("--catalog", "duckdb", "SELECT 42 AS answer");
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout()).isEqualTo("answer\n42\n");
    Run unknown = remote("--catalog", "nope", "SELECT 42 AS answer");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.stderr()).isEqualTo("kapu query: unknown catalog 'nope'; user 'kapu' may use: duckdb\n");
  }

  @Test
  void failuresAreOneLineAndAnExitCode() throws Exception {
    Run wrong = query("not the password", "--url", url, "SELECT 1");
    assertThat(wrong.exit()).isEqualTo(1);
    assertThat(wrong.stdout()).isEmpty();
    assertThat(wrong.stderr()).isEqualTo("kapu query: the server refused user 'kapu' and its password"
        + " (wrong user name or password)\n");

    Run none = query(null, "--url", url, "SELECT 1");
    assertThat(none.exit()).isEqualTo(1);
    assertThat(none.stderr()).startsWith("kapu query: the server wants a user name and password").hasLineCount(1);

    Run sql = remote("SELECT * FROM no_such_table");
    assertThat(sql.exit()).isEqualTo(1);
    assertThat(sql.stderr())
        .startsWith("kapu query: statement on 'duckdb' failed: Catalog Error: Table with name no_such_table does not exist")
        .hasLineCount(1);

    Run verbose = remote("--verbose", "SELECT * FROM no_such_table");
    assertThat(verbose.exit()).isEqualTo(1);
    assertThat(verbose.stderr()).contains("\tat ").contains("no_such_table");

    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Run unreachable = query(PASSWORD, "--url", "grpc://127.0.0.1:" + port, "SELECT 1");
    assertThat(unreachable.exit()).isEqualTo(1);
    assertThat(unreachable.stderr()).startsWith("kapu query: cannot reach grpc://127.0.0.1:" + port)
        .contains("Connection refused").hasLineCount(1);

    Run usage = remote("--duckdb", "x.duckdb", "SELECT 1");
    assertThat(usage.exit()).isEqualTo(2);

    // and the server goes on serving
    Run after = remote("SELECT 1 AS one");
    assertThat(after.exit()).as(after.stderr()).isZero();
    assertThat(after.stdout()).isEqualTo("one\n1\n");
  }

  @Test
  void binaryFormatsAreNotWrittenToATerminal() throws Exception {
    // script(1) runs the command on a pseudo-terminal, as a person at a terminal would
    List<String> words = new ArrayList<>();
    words.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    words.addAll(WorkerCommand.JVM_FLAGS); // no character in them the shell reads
    words.addAll(List.of("-cp", "\"$KAPU_TEST_CP\"", "dev.kapu.client.cli.KapuCli", "query", "--format", "parquet",
        "'SELECT 1'"));
    String command = String.join(" ", words);
    ProcessBuilder builder = new ProcessBuilder("script", "-qec", command, "/dev/null").redirectErrorStream(true);
    builder.environment().put("KAPU_TEST_CP", System.getProperty("java.class.path"));
    Process process = builder.start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isEqualTo(2);
    assertThat(output).contains("kapu query: --format parquet writes binary data: give --output FILE or redirect stdout");
  }

  @Test
  void tlsWithTheServersCertificate() throws Exception {
    ServeProcess tls = ServeProcess.start("--port", "0", "--daemons", "1", "--password", PASSWORD, "--tls");
    try {
      String tlsUrl = tls.printed.get("flight_url");
      assertThat(tlsUrl).startsWith("grpc+tls://");
      Run run = query(PASSWORD, "--url", tlsUrl, "--trust-cert", tls.printed.get("certificate"), "SELECT 'secure' AS s");
      assertThat(run.exit()).as(run.stderr()).isZero();
      assertThat(run.stdout()).isEqualTo("s\nsecure\n");
      Run untrusted = query(PASSWORD, "--url", tlsUrl, "SELECT 1");
      assertThat(untrusted.exit()).isEqualTo(1);
      assertThat(untrusted.stderr()).startsWith("kapu query: cannot reach " + tlsUrl).hasLineCount(1);
    } finally {
      tls.stop();
    }
  }

  @Test
  void localModeWritesCsvToo() throws Exception {
    Run run = query(null, "--format", "csv", "SELECT range AS n, 'v' || range AS v FROM range(3)");
    assertThat(run.exit()).as(run.stderr()).isZero();
    assertThat(run.stdout()).isEqualTo("n,v\n0,v0\n1,v1\n2,v2\n");
    Run table = query(null, "--format", "table", "--max-rows", "2", "SELECT range AS n FROM range(5)");
    assertThat(table.exit()).as(table.stderr()).isZero();
    assertThat(table.stdout()).isEqualTo("n\n-\n0\n1\n(5 rows; first 2 shown, 3 more: --max-rows N, or --format csv)\n");
  }
}
