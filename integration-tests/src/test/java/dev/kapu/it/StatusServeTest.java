package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kapu.client.Kapu;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees and ends on {@code kapu serve} with two daemons, through the commands
 * {@code kapu status}, {@code kill-session}, {@code cancel-statement} and {@code cancel}, each a
 * process of its own, while analysts' JDBC connections (the official Flight SQL driver) run
 * queries that work for hours before their first row: the status shows both daemons, the
 * sessions' users and the statements' text; killing one analyst's session stops its query and
 * refuses its next call with a clear sentence while another user's session works on; a statement
 * is cancelled by its id; a user without the admin right is refused, and unknown ids are NOT_FOUND.
 * Each statement leaves one line in the audit log.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class StatusServeTest {
  /** Hours of work before its one row. */
  private static final String SLOW = "SELECT sum(a.range * b.range) AS s FROM range(1000000) a, range(1000000) b";
  /** A second or so of work, with a known answer. */
  private static final String COUNT = "SELECT count(*) AS n FROM range(300000000) WHERE range % 7 = 0";
  private static final long COUNTED = 42857143;
  private static final Map<String, String> PASSWORDS =
      Map.of("ANALYST_PASSWORD", "a-secret", "BOB_PASSWORD", "b-secret", "OPS_PASSWORD", "o-secret");

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void statusKillSessionAndCancelStatement(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  duckdb: { kind: duckdb }",
        "users:",
        "  analyst: { password: \"${ANALYST_PASSWORD}\", access: { duckdb: read-only } }",
        "  bob:     { password: \"${BOB_PASSWORD}\", access: { duckdb: read-only } }",
        "  ops:     { password: \"${OPS_PASSWORD}\", access: { duckdb: read-only }, admin: true }",
        ""));
    ServeProcess serve = ServeProcess.start(PASSWORDS, "--config", config.toString(), "--port", "0", "--daemons", "2");
    String url = serve.printed.get("flight_url");
    ExecutorService threads = Executors.newCachedThreadPool();
    try (Connection analyst = connect(serve, "analyst", "a-secret"); Connection bob = connect(serve, "bob", "b-secret")) {
      Future<Object> analystQuery = threads.submit(() -> query(analyst, SLOW));

      // kapu status: both daemons, the analyst's session and its statement
      JsonNode status = awaitStatus(url, s -> sessionOf(s, "analyst") != null
          && sessionOf(s, "analyst").path("statement").path("text").asText().equals(SLOW));
      assertThat(status.path("daemons")).hasSize(2);
      JsonNode analystSession = sessionOf(status, "analyst");
      assertThat(analystSession.path("clientAddress").asText()).startsWith("127.0.0.1:");
      assertThat(analystSession.path("statement").path("resource").asText()).isEqualTo("duckdb");
      Run table = cli("status", "--url", url, "--user", "ops", "--password", "o-secret");
      assertThat(table.exit()).as(table.stderr()).isZero();
      System.out.println("kapu status:\n" + table.stdout());
      for (JsonNode daemon : status.path("daemons")) {
        assertThat(table.stdout()).contains(daemon.path("id").asText());
      }
      assertThat(table.stdout()).contains("DAEMON", "SESSION", "analyst", analystSession.path("id").asText(),
          "SELECT sum(a.range * b.range)");

      // the Kapu token may too; --watch redraws in place (ANSI clear and home before each)
      Run withToken = cli("status", "--url", url, "--token-file", serve.sessionFolder().resolve("token").toString(),
          "--format", "json");
      assertThat(withToken.exit()).as(withToken.stderr()).isZero();
      assertThat(json.readTree(withToken.stdout()).path("daemons")).hasSize(2);
      assertThat(watched(url)).as("redraws").containsPattern("(?s)\\e\\[H\\e\\[2J.*DAEMON.*\\e\\[H\\e\\[2J.*DAEMON");
      assertThat(serve.printedLineWith("ops: duckdb read-only, admin")).as("the banner names the admins").isTrue();

      // a user without the admin right is refused; unknown ids are NOT_FOUND
      Run refused = cli("status", "--url", url, "--user", "bob", "--password", "b-secret");
      assertThat(refused.exit()).isEqualTo(1);
      assertThat(refused.stderr()).contains("PERMISSION_DENIED", "user 'bob' may not call kapu.status", "admin right");
      for (String command : List.of("kill-session", "cancel-statement", "cancel")) {
        Run unknown = cli(command, "--url", url, "--user", "ops", "--password", "o-secret", "no-such-id");
        assertThat(unknown.exit()).as(command).isEqualTo(1);
        assertThat(unknown.stderr()).as(command).contains("NOT_FOUND", "no-such-id");
      }
      Run bobKills = cli("kill-session", "--url", url, "--user", "bob", "--password", "b-secret",
          analystSession.path("id").asText());
      assertThat(bobKills.stderr()).contains("PERMISSION_DENIED");

      // kill the analyst's session while bob's query runs: the analyst's query stops and its next call is
      // refused with a clear sentence; bob's query and his next one are untouched
      Future<Object> bobQuery = threads.submit(() -> query(bob, COUNT));
      Run kill = cli("kill-session", "--url", url, "--user", "ops", "--password", "o-secret",
          analystSession.path("id").asText());
      assertThat(kill.exit()).as(kill.stderr()).isZero();
      assertThat(kill.stdout()).contains("session " + analystSession.path("id").asText() + " ended");
      Object stopped = analystQuery.get(120, TimeUnit.SECONDS);
      System.out.println("the analyst's running query ended with: " + stopped);
      assertThat(stopped).isInstanceOf(SQLException.class);
      Object next = query(analyst, "SELECT 1");
      System.out.println("the analyst's next call: " + next);
      assertThat(next).isInstanceOf(SQLException.class);
      assertThat(((SQLException) next).getMessage()).contains("was ended by administrator 'ops'",
          "connect again");
      assertThat(bobQuery.get(120, TimeUnit.SECONDS)).isEqualTo(COUNTED);
      assertThat(query(bob, "SELECT 42")).isEqualTo(42L);

      // cancel one statement by its id: bob's query stops, his session goes on
      Future<Object> bobSlow = threads.submit(() -> query(bob, SLOW));
      JsonNode withBob = awaitStatus(url, s -> sessionOf(s, "bob") != null
          && sessionOf(s, "bob").path("statement").path("text").asText().equals(SLOW));
      assertThat(withBob.path("sessions")).as("the analyst's ended session is gone; kapu status's own are not listed")
          .hasSize(1);
      String statementId = sessionOf(withBob, "bob").path("statement").path("id").asText();
      Run cancel = cli("cancel-statement", "--url", url, "--user", "ops", "--password", "o-secret", statementId);
      assertThat(cancel.exit()).as(cancel.stderr()).isZero();
      assertThat(bobSlow.get(120, TimeUnit.SECONDS)).isInstanceOf(SQLException.class);
      assertThat(query(bob, "SELECT 7")).isEqualTo(7L);

      // the status's counters and the audit log saw them
      JsonNode after = awaitStatus(url, s -> sessionOf(s, "bob") != null && sessionOf(s, "bob").path("statement").isNull());
      assertThat(after.path("counters").path("statementsByCode").path("OK").asLong()).isGreaterThanOrEqualTo(2);
      awaitLine(serve, "kapu.audit.admin", "admin=ops", "action=kapu.kill-session", analystSession.path("id").asText());
      awaitLine(serve, "kapu.audit.statements", "user=bob", "status=OK", "sql=SELECT 42", "rows=1", "durationMillis=");
      serve.echo("kapu.audit");
    } finally {
      threads.shutdownNow();
      serve.stop();
    }
  }

  /**
   * A killed session's open transaction rolls back: its row lock (DuckDB's write conflict) holds
   * another user's update off until the kill, and afterwards that update goes through and the
   * killed transaction's change is nowhere.
   */
  @Test
  void killingASessionRollsBackItsTransaction(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  duckdb: { kind: duckdb, placement: pinned }",
        "users:",
        "  analyst: { password: \"${ANALYST_PASSWORD}\", access: { duckdb: read-write } }",
        "  bob:     { password: \"${BOB_PASSWORD}\", access: { duckdb: read-write } }",
        "  ops:     { password: \"${OPS_PASSWORD}\", access: { duckdb: read-only }, admin: true }",
        ""));
    ServeProcess serve = ServeProcess.start(PASSWORDS, "--config", config.toString(), "--port", "0", "--daemons", "2");
    String url = serve.printed.get("flight_url");
    try (Connection analyst = connect(serve, "analyst", "a-secret"); Connection bob = connect(serve, "bob", "b-secret");
        Statement b = bob.createStatement()) {
      // not closed by the test: once its session is killed, even closing it is refused
      Statement a = analyst.createStatement();
      b.executeUpdate("CREATE TABLE kv (id INTEGER PRIMARY KEY, v INTEGER)");
      b.executeUpdate("INSERT INTO kv VALUES (1, 10)");
      a.execute("BEGIN");
      a.executeUpdate("UPDATE kv SET v = 20 WHERE id = 1");
      assertThat(update(b, "UPDATE kv SET v = 30 WHERE id = 1")).as("the analyst's transaction holds the row")
          .isInstanceOf(SQLException.class);

      JsonNode status = awaitStatus(url, s -> sessionOf(s, "analyst") != null);
      Run kill = cli("kill-session", "--url", url, "--user", "ops", "--password", "o-secret",
          sessionOf(status, "analyst").path("id").asText());
      assertThat(kill.exit()).as(kill.stderr()).isZero();

      assertThat(update(b, "UPDATE kv SET v = 30 WHERE id = 1")).as("the row is free once the session is killed")
          .isEqualTo(1);
      assertThat(query(bob, "SELECT v FROM kv WHERE id = 1")).isEqualTo(30L);
      Object next = update(a, "COMMIT");
      assertThat(next).isInstanceOf(SQLException.class);
      assertThat(((SQLException) next).getMessage()).contains("was ended by administrator 'ops'");
      assertThat(query(bob, "SELECT v FROM kv WHERE id = 1")).as("nothing of the killed transaction was committed")
          .isEqualTo(30L);
    } finally {
      serve.stop();
    }
  }

  /**
   * A task a connected session submitted is listed with who submitted it (the client's address)
   * and its age; {@code kapu cancel} with the id the status shows stops it, and the session's
   * future completes as cancelled.
   */
  @Test
  void anOperatorCancelsARunningTaskByTheIdTheStatusShows(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  duckdb: { kind: duckdb }",
        "users:",
        "  ops: { password: \"${OPS_PASSWORD}\", access: { duckdb: read-only }, admin: true }",
        ""));
    ServeProcess serve = ServeProcess.start(PASSWORDS, "--config", config.toString(), "--port", "0", "--daemons", "2");
    String url = serve.printed.get("flight_url");
    String token = Files.readString(serve.sessionFolder().resolve("token"), StandardCharsets.UTF_8).strip();
    try (Kapu kapu = Kapu.builder().token(token).connect(url)) {
      CompletableFuture<Integer> sleeper = kapu.submit(ctx -> {
        Thread.sleep(120_000);
        return 1;
      });
      JsonNode status = awaitStatus(url, s -> runningTask(s) != null);
      JsonNode task = runningTask(status);
      System.out.println("the running task as the status shows it: " + task);
      assertThat(task.path("sessionId").asText()).startsWith("client 127.0.0.1:");
      assertThat(task.path("ageMillis").asLong()).isNotNegative();

      Run cancel = cli("cancel", "--url", url, "--user", "ops", "--password", "o-secret", task.path("taskId").asText());
      assertThat(cancel.exit()).as(cancel.stderr()).isZero();
      assertThat(catchThrowable(() -> sleeper.get(60, TimeUnit.SECONDS))).as("the session's future")
          .isNotNull().satisfiesAnyOf(
              t -> assertThat(t).isInstanceOf(java.util.concurrent.CancellationException.class),
              t -> assertThat(t).hasMessageContaining("cancel"));
      assertThat(kapu.submit(ctx -> 6 * 7).get(60, TimeUnit.SECONDS)).as("the session goes on").isEqualTo(42);
      awaitLine(serve, "kapu.audit.admin", "admin=ops", "action=kapu.cancel-task", task.path("taskId").asText());
    } finally {
      serve.stop();
    }
  }

  /** The first task running on any daemon, or null. */
  private static JsonNode runningTask(JsonNode status) {
    for (JsonNode daemon : status.path("daemons")) {
      for (JsonNode task : daemon.path("runningTasks")) {
        return task;
      }
    }
    return null;
  }

  /** The rows an update changed, or the SQLException it ended with. */
  private static Object update(Statement statement, String sql) {
    try {
      return statement.executeUpdate(sql);
    } catch (SQLException e) {
      return e;
    }
  }

  private static Connection connect(ServeProcess serve, String user, String password) throws SQLException {
    String base = serve.jdbcUrl().replaceAll("&user=[^&]*", "");
    return DriverManager.getConnection(base + "&user=" + user + "&password=" + password);
  }

  /** The first column of the first row as a long, or the SQLException the query ended with. */
  private static Object query(Connection c, String sql) {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getLong(1);
    } catch (SQLException e) {
      return e;
    }
  }

  private JsonNode awaitStatus(String url, Predicate<JsonNode> until) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      Run run = cli("status", "--url", url, "--user", "ops", "--password", "o-secret", "--format", "json");
      assertThat(run.exit()).as(run.stderr()).isZero();
      last = json.readTree(run.stdout());
      if (until.test(last)) {
        return last;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the status never showed what was awaited; last: " + last);
  }

  private static JsonNode sessionOf(JsonNode status, String user) {
    for (JsonNode s : status.path("sessions")) {
      if (s.path("user").asText().equals(user)) {
        return s;
      }
    }
    return null;
  }

  private static void awaitLine(ServeProcess serve, String... parts) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!serve.printedLineWith(parts)) {
      if (System.nanoTime() > deadline) {
        serve.echo("");
        throw new AssertionError("kapu serve printed no line with " + List.of(parts));
      }
      Thread.sleep(100);
    }
  }

  record Run(int exit, String stdout, String stderr) {}

  /** What {@code kapu status --watch} printed in its first seconds, until it was stopped. */
  private static String watched(String url) throws Exception {
    List<String> command = ThisJvmCommand.of(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
        "dev.kapu.client.cli.KapuCli", "status", "--url", url, "--user", "ops", "--password", "o-secret", "--watch",
        "--interval", "0.2");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    StringBuilder seen = new StringBuilder();
    java.io.InputStream out = process.getInputStream();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    byte[] buffer = new byte[8192];
    while (System.nanoTime() < deadline && seen.toString().split("\u001b\\[2J", -1).length < 4) {
      int n = out.read(buffer);
      if (n < 0) {
        break;
      }
      seen.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
    }
    process.destroy();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return seen.toString();
  }

  /** {@code kapu ARGS} in a JVM of its own. */
  static Run cli(String... args) throws Exception {
    List<String> command = ThisJvmCommand.of(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"),
        "dev.kapu.client.cli.KapuCli");
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).start();
    process.getOutputStream().close();
    CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
    CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("kapu %s ends", args[0]).isTrue();
    return new Run(process.exitValue(), new String(stdout.get(), StandardCharsets.UTF_8),
        new String(stderr.get(), StandardCharsets.UTF_8));
  }

  private static byte[] readAll(java.io.InputStream in) {
    try {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
