package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.client.Kapu;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} of {@code kapu serve --dashboard}, scraped as Prometheus does (HTTP Basic, asking
 * for OpenMetrics) and read by a strict OpenMetrics reader: after N tasks and M statements (some
 * refused by DuckDB: a missing table, a syntax error) the counters moved by exactly what was run,
 * by outcome and by status code, and both daemons report CPU and memory.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class DashboardMetricsServeTest {
  private static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private static final int TASKS = 25;
  private static final int GOOD_STATEMENTS = 4;
  /** Refused as NOT_FOUND (DuckDB's catalog error). */
  private static final int MISSING_TABLE = 3;
  /** Refused as INVALID_ARGUMENT (DuckDB's parser error). */
  private static final int SYNTAX_ERRORS = 2;
  private static final int ROWS = 1000;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void metricsCountWhatRan() throws Exception {
    ServeProcess serve = ServeProcess.start("--port", "0", "--daemons", "2", "--dashboard=0");
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient server = FlightClient.builder(allocator, new Location(serve.printed.get("flight_url"))).build()) {
      URI metrics = URI.create(serve.printed.get("dashboard_url")).resolve("/metrics");
      String basic = basic(serve.printed.get("user"), serve.printed.get("password"));

      // behind the login: a scraper without credentials is asked for Basic ones, a wrong password refused
      HttpResponse<String> anonymous = get(metrics, null);
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
      assertThat(get(metrics, basic(serve.printed.get("user"), "wrong")).statusCode()).isEqualTo(401);

      // each daemon's CPU and memory, once it has sent its first report (until then the status does not know them)
      Map<String, OpenMetricsText.Family> start = scrape(metrics, basic);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (start.get("kapu_daemon_memory_bytes").samples.size() < 4 && System.nanoTime() < deadline) {
        Thread.sleep(200);
        start = scrape(metrics, basic);
      }
      assertThat(start.get("kapu_daemons").value("kapu_daemons")).isEqualTo(2);
      List<String> daemons = start.get("kapu_daemon_slots").samples.stream().map(d -> d.labels().get("daemon")).toList();
      assertThat(daemons).hasSize(2);
      for (String daemon : daemons) {
        assertThat(start.get("kapu_daemon_memory_bytes").value("kapu_daemon_memory_bytes", "area", "heap", "daemon", daemon))
            .isPositive();
        assertThat(start.get("kapu_daemon_memory_bytes").value("kapu_daemon_memory_bytes", "area", "rss", "daemon", daemon))
            .isPositive();
        assertThat(start.get("kapu_daemon_cpu_ratio").value("kapu_daemon_cpu_ratio", "daemon", daemon)).isNotNegative();
      }

      // N tasks, with the Kapu token (kapu serve prints SQL credentials, not this)
      String token = Files.readString(serve.sessionFolder().resolve("token"), StandardCharsets.UTF_8).strip();
      try (Kapu kapu = Kapu.builder().token(token).connect(serve.printed.get("flight_url"))) {
        for (int i = 0; i < TASKS; i++) {
          int n = i;
          assertThat(kapu.submit(ctx -> n * 2).get(60, TimeUnit.SECONDS)).isEqualTo(n * 2);
        }
      }
      Map<String, OpenMetricsText.Family> afterTasks = scrape(metrics, basic);
      double tasksOk = delta(start, afterTasks, "kapu_tasks", "kapu_tasks_total", Map.of("outcome", "ok"));
      System.out.println("metrics: " + TASKS + " tasks moved kapu_tasks_total{outcome=ok} by " + tasksOk);
      assertThat(tasksOk).isEqualTo(TASKS);
      assertThat(delta(start, afterTasks, "kapu_task_duration_seconds", "kapu_task_duration_seconds_count", Map.of()))
          .isEqualTo(TASKS);

      // M statements through Flight SQL: some good (one streaming ROWS rows), some DuckDB refuses
      CredentialCallOption bearer =
          server.authenticateBasicToken(serve.printed.get("user"), serve.printed.get("password")).orElseThrow();
      FlightSqlClient sql = new FlightSqlClient(server);
      for (int i = 0; i < GOOD_STATEMENTS; i++) {
        assertThat(rows(sql, allocator, i == 0 ? "SELECT range FROM range(" + ROWS + ")" : "SELECT " + i, bearer))
            .isEqualTo(i == 0 ? ROWS : 1);
      }
      for (int i = 0; i < MISSING_TABLE; i++) {
        assertThatThrownBy(() -> rows(sql, allocator, "SELECT * FROM no_such_table", bearer))
            .hasMessageContaining("no_such_table");
      }
      for (int i = 0; i < SYNTAX_ERRORS; i++) {
        assertThatThrownBy(() -> rows(sql, allocator, "SELEC 1", bearer)).hasMessageContaining("syntax error");
      }
      // a statement whose client fetched its result from a daemon ends with that daemon's next report
      Map<String, OpenMetricsText.Family> end = scrape(metrics, basic);
      long settled = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (delta(afterTasks, end, "kapu_flight_sql_statements", "kapu_flight_sql_statements_total", Map.of("code", "OK"))
          < GOOD_STATEMENTS && System.nanoTime() < settled) {
        Thread.sleep(200);
        end = scrape(metrics, basic);
      }
      double ok = delta(afterTasks, end, "kapu_flight_sql_statements", "kapu_flight_sql_statements_total", Map.of("code", "OK"));
      double invalid = delta(afterTasks, end, "kapu_flight_sql_statements", "kapu_flight_sql_statements_total",
          Map.of("code", "INVALID_ARGUMENT"));
      double notFound = delta(afterTasks, end, "kapu_flight_sql_statements", "kapu_flight_sql_statements_total",
          Map.of("code", "NOT_FOUND"));
      double rows = delta(afterTasks, end, "kapu_streamed_rows", "kapu_streamed_rows_total", Map.of());
      double bytes = delta(afterTasks, end, "kapu_streamed_bytes", "kapu_streamed_bytes_total", Map.of());
      System.out.println("metrics: statements ok +" + ok + ", invalid +" + invalid + ", not found +" + notFound
          + "; streamed rows +" + rows
          + ", bytes +" + bytes);
      assertThat(ok).isEqualTo(GOOD_STATEMENTS);
      assertThat(invalid).isEqualTo(SYNTAX_ERRORS);
      assertThat(notFound).isEqualTo(MISSING_TABLE);
      assertThat(rows).isEqualTo(ROWS + GOOD_STATEMENTS - 1);
      assertThat(bytes).isPositive();
      assertThat(end.get("kapu_server").samples).singleElement()
          .satisfies(info -> assertThat(info.labels().get("version")).isNotBlank());
    } finally {
      serve.stop();
    }
  }

  /**
   * {@code kapu dashboard --url}: the same dashboard in a process of its own, a Flight client of a
   * running server like any other, where the server alone decides who may see what: a config's
   * admin user and the Kapu token (as a bearer token) scrape, a user without the admin right is
   * refused with the server's words, and the button endpoints refuse that user too.
   */
  @Test
  void aDashboardApartFromTheServerWhereTheServerAuthorizes(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  duckdb: { kind: duckdb }",
        "users:",
        "  analyst: { password: \"${ANALYST_PASSWORD}\", access: { duckdb: read-write } }",
        "  ops: { password: \"${OPS_PASSWORD}\", access: { duckdb: read-only }, admin: true }",
        ""));
    ServeProcess serve = ServeProcess.start(Map.of("ANALYST_PASSWORD", "a-secret", "OPS_PASSWORD", "o-secret"),
        "--config", config.toString(), "--port", "0", "--daemons", "2");
    List<String> command = ThisJvmCommand.of("dev.kapu.client.cli.KapuCli", "dashboard",
        "--url", serve.printed.get("flight_url"), "--port", "0");
    Process dashboard = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(dashboard.getInputStream(), StandardCharsets.UTF_8))) {
      String url = null;
      for (String line = out.readLine(); line != null && !line.equals("ready"); line = out.readLine()) {
        System.out.println("  dashboard| " + line);
        if (line.startsWith("dashboard_url=")) {
          url = line.substring("dashboard_url=".length());
        }
      }
      assertThat(url).as("kapu dashboard printed its URL").isNotNull();
      URI metrics = URI.create(url).resolve("/metrics");
      assertThat(scrape(metrics, basic("ops", "o-secret")).get("kapu_daemons").value("kapu_daemons")).isEqualTo(2);
      String token = Files.readString(serve.sessionFolder().resolve("token"), StandardCharsets.UTF_8).strip();
      assertThat(scrape(metrics, "Bearer " + token).get("kapu_daemons").value("kapu_daemons")).isEqualTo(2);

      HttpResponse<String> refused = get(metrics, basic("analyst", "a-secret"));
      System.out.println("a user without the admin right: " + refused.statusCode() + " " + refused.body());
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(refused.body()).contains("admin");
      HttpResponse<String> kill = http.send(HttpRequest.newBuilder(URI.create(url).resolve("/api/sessions/1/kill"))
          .header("Authorization", basic("analyst", "a-secret")).header("X-Kapu-Dashboard", "1")
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(kill.statusCode()).as(kill.body()).isEqualTo(403);
      HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(url).resolve("/api/statements/nosuch/cancel"))
          .header("Authorization", basic("ops", "o-secret")).header("X-Kapu-Dashboard", "1")
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      System.out.println("an unknown statement: " + unknown.statusCode() + " " + unknown.body());
      assertThat(unknown.statusCode()).isEqualTo(404);
    } finally {
      dashboard.destroy();
      assertThat(dashboard.waitFor(30, TimeUnit.SECONDS)).as("kapu dashboard exits on SIGTERM").isTrue();
      serve.stop();
    }
  }

  /** One scrape, as Prometheus asks for it; read strictly. */
  private Map<String, OpenMetricsText.Family> scrape(URI metrics, String basic) throws Exception {
    HttpResponse<String> answer = get(metrics, basic);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(answer.headers().firstValue("Content-Type")).contains(OPEN_METRICS);
    return OpenMetricsText.parse(answer.body());
  }

  private HttpResponse<String> get(URI uri, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri)
        .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static double delta(Map<String, OpenMetricsText.Family> before, Map<String, OpenMetricsText.Family> after,
      String family, String sample, Map<String, String> labels) {
    double was = before.containsKey(family) ? before.get(family).find(sample, labels).orElse(0.0) : 0.0;
    return after.get(family).find(sample, labels).orElse(0.0) - was;
  }

  private static long rows(FlightSqlClient sql, BufferAllocator allocator, String query, CredentialCallOption bearer)
      throws Exception {
    FlightInfo info = sql.execute(query, bearer);
    long rows = 0;
    Location location = info.getEndpoints().get(0).getLocations().isEmpty() ? null
        : info.getEndpoints().get(0).getLocations().get(0);
    try (FlightClient daemon = location == null ? null : FlightClient.builder(allocator, location).build();
        FlightStream stream = daemon == null ? sql.getStream(info.getEndpoints().get(0).getTicket(), bearer)
            : daemon.getStream(info.getEndpoints().get(0).getTicket())) {
      while (stream.next()) {
        rows += stream.getRoot().getRowCount();
      }
    }
    return rows;
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
