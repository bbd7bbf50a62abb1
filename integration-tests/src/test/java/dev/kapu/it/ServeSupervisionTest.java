package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.flight.AsyncPutListener;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightClient.ClientStreamListener;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.SyncPutListener;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kapu serve} as a process, whose daemons die the hard way (SIGKILL), freeze (SIGSTOP) or
 * cannot start: it replaces them, reopens what they hosted, holds statements meanwhile, tells the
 * client whose statement or upload was running what became of it, and backs off from a crash loop.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ServeSupervisionTest {
  /** A Java class name, qualified, as a stack trace shows it. */
  private static final String CLASS_NAME = "\\b[a-z]+(\\.[a-z0-9]+)+\\.[A-Z]\\w*";

  @TempDir Path dir;

  @Test
  void aKilledDaemonIsReplacedAndReopensTheDatabaseFileWithItsCommittedRows() throws Exception {
    String file = dir.resolve("kept.duckdb").toString();
    ServeProcess serve = ServeProcess.start("--duckdb", file, "--port", "0");
    try (Connection c = DriverManager.getConnection(serve.jdbcUrl()); Statement s = c.createStatement()) {
      s.executeUpdate("CREATE TABLE kept (i BIGINT)");
      assertThat(s.executeUpdate("INSERT INTO kept SELECT range FROM range(1000)")).isEqualTo(1000);
      ProcessHandle host = serve.pinnedDaemon();

      long killedAt = System.nanoTime();
      Faults.sigkill(host.pid());
      // Once the server knows the daemon died, the statement waits for the replacement by itself.
      // (Sent before that, it may reach the dead daemon and fail as lost, saying to run it again.)
      Faults.await("the death noticed", () -> serve.printedLineWith("daemon local-1 died after"));
      try (ResultSet rs = s.executeQuery("SELECT count(*), sum(i) FROM kept")) {
        System.out.printf("first statement after SIGKILL answered in %d ms%n", Faults.millisSince(killedAt));
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(1000);
        assertThat(rs.getLong(2)).isEqualTo(499_500);
      }
      assertThat(serve.pinnedDaemon().pid()).as("a new process hosts the database").isNotEqualTo(host.pid());
      Faults.await("the replacement in the log", () -> serve.printedLineWith("daemon local-1 died after",
          "killed by signal 9 (SIGKILL)", "starting local-1.2 in its place now", "to host [duckdb]"));
      serve.echo("daemon local-1 died after");
      // and it writes as its predecessor did
      assertThat(s.executeUpdate("INSERT INTO kept VALUES (1000)")).isEqualTo(1);
    } finally {
      serve.stop();
    }
  }

  @Test
  void aStatementWhoseInMemoryDatabaseDiedUnderItSaysTheDataWasLostAndTheNextOneRunsOnAnEmptyDatabase()
      throws Exception {
    Path fifo = dir.resolve("feed.csv");
    assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
    ServeProcess serve = ServeProcess.start("--port", "0");
    try (Connection c = DriverManager.getConnection(serve.jdbcUrl()); Statement s = c.createStatement()) {
      s.executeUpdate("CREATE TABLE doomed AS SELECT 42 AS answer");
      ProcessHandle host = serve.pinnedDaemon();

      // DuckDB opens the pipe to read it while the statement runs, and waits there for rows.
      CompletableFuture<SQLException> running = CompletableFuture.supplyAsync(() -> {
        try (Statement reading = c.createStatement()) {
          reading.executeQuery("SELECT * FROM read_csv('" + fifo + "')").close();
          return null;
        } catch (SQLException e) {
          return e;
        }
      });
      try (OutputStream writer = CompletableFuture.supplyAsync(() -> {
        try {
          return Files.newOutputStream(fifo); // returns once the daemon has opened the other end
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }).get(Faults.WAIT.toSeconds(), TimeUnit.SECONDS)) {
        Faults.sigkill(host.pid());
        SQLException error = running.get(Faults.WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat((Throwable) error).as("the statement whose daemon died").isNotNull();
        System.out.println("the client was told: " + error.getMessage());
        assertThat(error.getMessage())
            .contains("the daemon hosting 'duckdb' died while running this statement; the in-memory"
                + " database was lost and is being restarted empty")
            .doesNotContainPattern(CLASS_NAME);
      }

      Faults.await("the replacement in the log", () -> serve.printedLineWith("daemon local-1 died after",
          "starting local-1.2 in its place now"));
      try (ResultSet rs = s.executeQuery("SELECT 6 * 7")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(42);
      }
      assertThat(serve.pinnedDaemon().pid()).isNotEqualTo(host.pid());
      try (ResultSet tables = s.executeQuery("SELECT count(*) FROM information_schema.tables")) {
        assertThat(tables.next()).isTrue();
        assertThat(tables.getLong(1)).as("tables in the new in-memory database").isZero();
      }
    } finally {
      serve.stop();
    }
  }

  @Test
  void anUploadToADaemonThatFreezesFailsAsUnavailableAndAReplacementTakesTheNext() throws Exception {
    ServeProcess serve = ServeProcess.start("--port", "0");
    ProcessHandle host = serve.pinnedDaemon();
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client = FlightClient.builder(allocator, new Location(serve.printed.get("flight_url"))).build()) {
      CredentialCallOption bearer = client.authenticateBasicToken(serve.printed.get("user"),
          serve.printed.get("password")).orElseThrow();
      AtomicLong batchesSent = new AtomicLong();
      // batches go on until kapu serve ends the call
      CompletableFuture<Throwable> upload = CompletableFuture.supplyAsync(() -> {
        try (VectorSchemaRoot root = VectorSchemaRoot.create(IDS, allocator)) {
          AsyncPutListener answer = new AsyncPutListener();
          ClientStreamListener put = client.startPut(FlightDescriptor.path("frozen"), root, answer, bearer);
          while (!answer.isCancelled()) {
            ids(root, 100_000);
            put.putNext();
            batchesSent.incrementAndGet();
          }
          put.getResult();
          return null;
        } catch (Throwable t) {
          return t;
        }
      });
      Faults.await("the upload under way", () -> batchesSent.get() >= 3);
      long stoppedAt = System.nanoTime();
      signal("STOP", host.pid());

      Throwable error = upload.get(60, TimeUnit.SECONDS);
      System.out.printf("the uploader was told, %d ms after SIGSTOP: %s%n", Faults.millisSince(stoppedAt), error);
      assertThat(error).isInstanceOf(FlightRuntimeException.class);
      assertThat(((FlightRuntimeException) error).status().code()).isEqualTo(FlightStatusCode.UNAVAILABLE);
      assertThat(error.getMessage()).startsWith("daemon local-1 stopped answering during the upload")
          .endsWith("nothing was stored: upload the table again").doesNotContainPattern(CLASS_NAME);

      // refused as UNAVAILABLE ("no connected daemon hosts 'duckdb'") until the replacement connects
      Faults.await("an upload stored by the replacement", Duration.ofSeconds(60), () -> uploads(client, bearer, allocator));
      assertThat(client.getInfo(FlightDescriptor.path("after"), bearer).getRecords()).isEqualTo(10);
      assertThat(serve.printedLineWith("starting local-1.2 in its place")).isTrue();
    } finally {
      if (host.isAlive()) {
        signal("CONT", host.pid());
      }
      serve.stop();
    }
  }

  /** Whether an upload of ten ids to the table "after" is stored. */
  private static boolean uploads(FlightClient client, CredentialCallOption bearer, BufferAllocator allocator) {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(IDS, allocator); SyncPutListener answer = new SyncPutListener()) {
      ClientStreamListener put = client.startPut(FlightDescriptor.path("after", "replace"), root, answer, bearer);
      ids(root, 10);
      put.putNext();
      put.completed();
      put.getResult();
      return true;
    } catch (FlightRuntimeException e) {
      assertThat(e.status().code()).as("%s", e).isEqualTo(FlightStatusCode.UNAVAILABLE);
      return false;
    }
  }

  private static final Schema IDS = new Schema(List.of(Field.nullable("id", new ArrowType.Int(64, true))));

  /** Fills {@code root} with ids 0 .. rows - 1. */
  private static void ids(VectorSchemaRoot root, int rows) {
    root.allocateNew();
    BigIntVector id = (BigIntVector) root.getVector(0);
    for (int i = 0; i < rows; i++) {
      id.setSafe(i, i);
    }
    root.setRowCount(rows);
  }

  private static void signal(String name, long pid) throws Exception {
    assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor()).isZero();
  }

  @Test
  void aResourceThatCannotOpenIsRetriedWithGrowingPausesAndComesBackOnceItCan() throws Exception {
    Path gate = dir.resolve("gate");
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, """
        resources:
          duckdb: { kind: duckdb, placement: pinned }
          gated: { kind: gated, placement: pinned, options: { closedWhile: "%s" } }
        """.formatted(gate));
    ServeProcess serve = ServeProcess.start("--config", config.toString(), "--port", "0", "--daemons", "1");
    try (Connection c = DriverManager.getConnection(serve.jdbcUrl()); Statement s = c.createStatement()) {
      Files.writeString(gate, "closed");
      Faults.sigkill(serve.pinnedDaemon().pid());

      // Each replacement fails to open the gated resource and exits with code 3; the pauses grow.
      Duration crashLoop = Duration.ofSeconds(90);
      Faults.await("the first replacement to fail", crashLoop, () -> serve.printedLineWith(
          "daemon local-1.2 died after", "its process exited with code 3", "starting local-1.3 in its place in 1.0 s",
          "(deaths in a row: 2)"));
      Faults.await("the second replacement to fail", crashLoop, () -> serve.printedLineWith(
          "daemon local-1.3 died after", "its process exited with code 3", "starting local-1.4 in its place in 2.0 s",
          "(deaths in a row: 3)"));
      Faults.await("the third replacement to fail", crashLoop, () -> serve.printedLineWith(
          "daemon local-1.4 died after", "its process exited with code 3", "starting local-1.5 in its place in 4.0 s"));
      assertThat(String.join("\n", serve.output)).as("the dead daemon's log, quoted")
          .contains("the gate " + gate + " is closed");

      serve.echo("daemon local-1 died after");
      Files.delete(gate);
      try (ResultSet rs = s.executeQuery("SELECT 'back'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("back");
      }
      assertThat(serve.printedLineWith("starting local-1.6")).as("no start after the one that worked").isFalse();
    } finally {
      serve.stop();
    }
  }
}
