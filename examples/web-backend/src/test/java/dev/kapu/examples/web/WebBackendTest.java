package dev.kapu.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The example under load from Debian's {@code wrk}, against two real daemon processes: 200
 * connections on a server with two HTTP threads, every response body checked by the wrk script.
 * The same service with handlers that wait for their task is measured beside it (printed, not
 * asserted: the figures depend on the machine).
 */
class WebBackendTest {
  private static final int CONNECTIONS = 200;
  private static final int HTTP_THREADS = 2;
  private static final int SLOTS_PER_DAEMON = 16;
  private static final int SLEEP_MS = 20;
  private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress("127.0.0.1", 0);

  private static LocalKapu kapu;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startDaemons() {
    kapu = Kapu.builder().daemons(2).slots(SLOTS_PER_DAEMON).resource(Orders.STORE)
        .whenQueueFull(Kapu.QueueFull.FAIL).local();
    Orders.load(kapu);
  }

  @AfterAll
  static void stopDaemons() {
    if (kapu != null) {
      kapu.close();
    }
  }

  @Test
  void twoThreadsAnswer200ConnectionsCorrectlyWithoutWaitingForTasks() throws Exception {
    WebBackend.Stats asyncStats;
    Wrk mix;
    Wrk async;
    try (WebBackend backend = start(Duration.ofSeconds(30), WebBackend.Mode.ASYNC)) {
      mix = Wrk.run(backend.uri(), CONNECTIONS, 3, "mix", SLEEP_MS);
      awaitAllAnswered(backend);
      async = Wrk.run(backend.uri(), CONNECTIONS, 3, "slow", SLEEP_MS);
      awaitAllAnswered(backend);
      asyncStats = backend.stats();
    }
    Wrk blocking;
    WebBackend.Stats blockingStats;
    try (WebBackend backend = start(Duration.ofSeconds(30), WebBackend.Mode.BLOCKING)) {
      blocking = Wrk.run(backend.uri(), CONNECTIONS, 3, "slow", SLEEP_MS);
      awaitAllAnswered(backend);
      blockingStats = backend.stats();
    }
    System.out.println("wrk, /fib, /orders and /slow in turn, async:\n" + mix.output());
    System.out.println("wrk, /slow?ms=" + SLEEP_MS + ", async:\n" + async.output());
    System.out.println("wrk, /slow?ms=" + SLEEP_MS + ", blocking:\n" + blocking.output());
    System.out.printf("async: %s%nblocking: %s%n", asyncStats, blockingStats);
    System.out.printf("web-backend requests/s: async %.0f, blocking %.0f, ratio %.1f; p50 %s vs %s ms, p99 %s vs %s ms"
            + " (%d daemons x %d slots, %d ms tasks, %d HTTP threads, %d connections)%n",
        async.number("requests_per_second"), blocking.number("requests_per_second"),
        async.number("requests_per_second") / blocking.number("requests_per_second"),
        async.values().get("latency_p50_ms"), blocking.values().get("latency_p50_ms"),
        async.values().get("latency_p99_ms"), blocking.values().get("latency_p99_ms"),
        2, SLOTS_PER_DAEMON, SLEEP_MS, HTTP_THREADS, CONNECTIONS);

    for (Wrk run : new Wrk[] {mix, async}) {
      assertThat(run.count("requests")).as("requests completed").isPositive();
      assertThat(run.socketErrors()).as("socket errors and timeouts; wrk printed:%n%s", run.output()).isZero();
      assertThat(run.count("non_2xx")).as("answers other than 2xx; wrk printed:%n%s", run.output()).isZero();
      assertThat(run.count("checked")).as("bodies checked").isPositive();
      assertThat(run.count("mismatches")).as("wrong bodies, the first: %s", run.values().get("first_mismatch"))
          .isZero();
    }
    assertThat(blocking.count("checked")).as("bodies checked").isPositive();
    assertThat(blocking.count("mismatches")).as("wrong bodies").isZero();
    assertThat(asyncStats.mostHttpThreads()).as("HTTP threads ever").isEqualTo(HTTP_THREADS);
    assertThat(asyncStats.mostInProgress()).as("requests in progress at once, on %d threads", HTTP_THREADS)
        .isGreaterThan(HTTP_THREADS);
    assertThat(blockingStats.mostInProgress()).as("a handler that waits holds its thread").isLessThanOrEqualTo(HTTP_THREADS);
  }

  @Test
  void mistakesGet400_404_405WithClearMessages() throws Exception {
    try (WebBackend backend = start(Duration.ofSeconds(30), WebBackend.Mode.ASYNC)) {
      HttpResponse<String> notANumber = get(backend, "/fib?n=abc");
      assertThat(notANumber.statusCode()).isEqualTo(400);
      assertThat(notANumber.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(notANumber.body()).isEqualTo(
          "{\"error\":\"parameter 'n' must be an integer from 0 to 92, not 'abc'\",\"usage\":\"/fib?n=30\"}");
      assertThat(get(backend, "/slow?id=x").body()).contains("missing parameter 'ms': an integer from 0 to 60000");
      assertThat(get(backend, "/orders?shop=1&shop=2").body()).contains("parameter 'shop' is given more than once");
      HttpResponse<String> unknown = get(backend, "/fibonacci?n=3");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.body()).contains("no endpoint /fibonacci; try one of /fib?n=30");
      HttpResponse<String> post = http.send(HttpRequest.newBuilder(backend.uri().resolve("/fib?n=3"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).hasValue("GET");
      assertThat(get(backend, "/fib?n=92").body()).isEqualTo("{\"n\":92,\"fib\":7540113804746346429}");
      assertThat(get(backend, "/orders?shop=7").body()).isEqualTo("{\"shop\":7,\"orders\":1000,\"cents\":509000}");
    }
  }

  @Test
  void aTaskPastItsTimeoutGets504() throws Exception {
    try (WebBackend backend = start(Duration.ofSeconds(1), WebBackend.Mode.ASYNC)) {
      HttpResponse<String> late = get(backend, "/slow?ms=30000");
      System.out.println("504: " + late.body());
      assertThat(late.statusCode()).isEqualTo(504);
      assertThat(late.body()).contains("the task did not finish in time").contains("ran past its timeout of 1000 ms");
    }
  }

  /** A session whose queue budget (1 byte) lets one task in at a time: the others are refused with 503. */
  @Test
  void aRequestKapuRefusesToQueueGets503() throws Exception {
    try (Kapu tight = Kapu.builder().token(kapu.endpoint().token()).queueBudget(1)
            .whenQueueFull(Kapu.QueueFull.FAIL).shipCode(false).connect(kapu.endpoint().url().toString());
         WebBackend backend = WebBackend.start(tight, ANY_LOOPBACK_PORT, HTTP_THREADS, Duration.ofSeconds(30),
             WebBackend.Mode.ASYNC)) {
      long runningBefore = running(tight);
      CompletableFuture<HttpResponse<String>> first = http.sendAsync(
          HttpRequest.newBuilder(backend.uri().resolve("/slow?ms=3000&id=first")).build(),
          HttpResponse.BodyHandlers.ofString());
      // Only once the first one's task runs does it hold the budget: a request sent before could
      // overtake it (its own connection) and be the one let in.
      while (!first.isDone() && running(tight) <= runningBefore) {
        Thread.sleep(5);
      }
      HttpResponse<String> refused = null;
      while (refused == null && !first.isDone()) {
        HttpResponse<String> another = get(backend, "/slow?ms=0&id=another");
        refused = another.statusCode() == 503 ? another : null;
      }
      assertThat(refused).as("a request refused while the first one runs; the first: %s",
          first.isDone() ? first.join().statusCode() + " " + first.join().body() : "running").isNotNull();
      System.out.println("503: " + refused.body());
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(refused.body()).isEqualTo(
          "{\"error\":\"the service is busy: too many requests wait for a daemon; retry shortly\"}");
      assertThat(first.join().statusCode()).isEqualTo(200);
      assertThat(first.join().body()).startsWith("{\"id\":\"first\",\"ms\":3000,");
    }
  }

  /** Tasks running on the dispatcher's daemons now, whoever submitted them. */
  private static long running(Kapu kapu) {
    return kapu.status().daemons().stream().mapToLong(d -> d.executing()).sum();
  }

  /**
   * Waits until the requests wrk left behind when it stopped (their connections closed, their
   * tasks still running) are answered, so that one run's requests do not count in the next's.
   */
  private static void awaitAllAnswered(WebBackend backend) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (backend.stats().inProgress() > 0) {
      assertThat(System.nanoTime()).as("requests left in progress: %s", backend.stats()).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  private static WebBackend start(Duration taskTimeout, WebBackend.Mode mode) throws Exception {
    return WebBackend.start(kapu, ANY_LOOPBACK_PORT, HTTP_THREADS, taskTimeout, mode);
  }

  private HttpResponse<String> get(WebBackend backend, String pathAndQuery) throws Exception {
    URI uri = URI.create(backend.uri() + pathAndQuery);
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }
}
