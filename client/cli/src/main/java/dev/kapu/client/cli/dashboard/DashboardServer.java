package dev.kapu.client.cli.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live dashboard: a static page, the server's status as JSON for it, buttons that end a
 * statement, a session or a task, and {@code /metrics} for Prometheus. Each request runs as the
 * user logged in to it (a session cookie from the login form, or HTTP Basic for scrapers and
 * scripts) through {@link KapuAdmin}, so the server decides who may see and do what.
 *
 * <pre>
 * GET  /                                   the page (the login form until logged in)
 * GET  /api/status                         the server's status action, as JSON
 * POST /api/statements/{id}/cancel         cancel a running Flight SQL statement
 * POST /api/sessions/{id}/kill             end a Flight SQL session (its statement stops, its transaction rolls back)
 * POST /api/tasks/{id}/cancel              cancel a task
 * GET  /metrics                            OpenMetrics text (Prometheus text if not asked for OpenMetrics)
 * </pre>
 *
 * The POSTs need the header {@code X-Kapu-Dashboard} (the page's script sends it), which a page of
 * another site cannot send without this server's consent: a browser that remembers a Basic login
 * cannot be made to end things from elsewhere.
 */
public final class DashboardServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);
  private static final Pattern ENDING = Pattern.compile("/api/(statements|sessions|tasks)/([^/]{1,200})/(cancel|kill)");
  private static final Map<String, String> ACTIONS = Map.of(
      "statements/cancel", KapuAdmin.CANCEL_STATEMENT,
      "sessions/kill", KapuAdmin.KILL_SESSION,
      "tasks/cancel", KapuAdmin.CANCEL_TASK);
  static final String CSRF_HEADER = "X-Kapu-Dashboard";
  private static final String BASIC_CHALLENGE = "Basic realm=\"kapu\", charset=\"UTF-8\"";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer http;
  private final ExecutorService threads;
  private final KapuAdmin admin;
  private final Logins logins = new Logins(Duration.ofHours(8), 1_000);
  private final Pages pages = new Pages();

  private DashboardServer(HttpServer http, ExecutorService threads, KapuAdmin admin) {
    this.http = http;
    this.threads = threads;
    this.admin = admin;
  }

  /** Serves the dashboard of {@code admin}'s server on {@code address} (port 0: any free one); closes {@code admin} when closed. */
  public static DashboardServer start(InetSocketAddress address, KapuAdmin admin) throws IOException {
    HttpServer http = HttpServer.create(address, 50);
    // Few threads: a request waits on one short Flight call at most.
    ExecutorService threads = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "kapu-dashboard");
      t.setDaemon(true);
      return t;
    });
    DashboardServer dashboard = new DashboardServer(http, threads, admin);
    http.createContext("/", dashboard::handle);
    http.setExecutor(threads);
    http.start();
    return dashboard;
  }

  /** Where it listens, as a browser's URL. */
  public URI url() {
    InetSocketAddress address = http.getAddress();
    String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getAddress().getHostAddress();
    return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort() + "/");
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      Response.securityHeaders(exchange);
      route(exchange);
    }
  }

  /** Answers one request; a refusal or failure becomes an error answer in words. */
  private void route(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      Matcher ending = ENDING.matcher(path);
      if (path.equals("/login")) {
        login(exchange, method);
      } else if (path.equals("/logout") && method.equals("POST")) {
        logins.close(exchange.getRequestHeaders().getFirst("Cookie"));
        exchange.getResponseHeaders().add("Set-Cookie", Logins.COOKIE + "=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict");
        Response.redirect(exchange, "/login");
      } else if (pages.isAsset(path)) {
        pages.send(exchange, path);
      } else if (path.equals("/") || path.equals("/index.html")) {
        if (authenticated(exchange).isPresent()) {
          pages.send(exchange, "/index.html");
        } else {
          Response.redirect(exchange, "/login");
        }
      } else if (path.equals("/api/status") && method.equals("GET")) {
        withLogin(exchange, false, login -> Response.send(exchange, 200, "application/json", call(exchange, login,
            () -> admin.status(login.bearer()))));
      } else if (path.equals("/metrics") && method.equals("GET")) {
        withLogin(exchange, true, login -> metrics(exchange, call(exchange, login, () -> admin.status(login.bearer()))));
      } else if (ending.matches() && method.equals("POST")) {
        String action = ACTIONS.get(ending.group(1) + "/" + ending.group(3));
        if (action == null) {
          Response.error(exchange, 404, "no such action");
        } else if (exchange.getRequestHeaders().getFirst(CSRF_HEADER) == null) {
          Response.error(exchange, 403, "send the " + CSRF_HEADER + " header (the dashboard's page does)");
        } else {
          String id = ending.group(2);
          withLogin(exchange, false, login -> {
            byte[] answer = call(exchange, login, () -> admin.end(action, id, login.bearer()));
            log.info("dashboard: {} {} by {}", action, id, login.user());
            Response.send(exchange, 200, "application/json", answer.length > 0 ? answer : "{}".getBytes(StandardCharsets.UTF_8));
          });
        }
      } else {
        Response.error(exchange, 404, "no such page");
      }
    } catch (AdminException e) {
      if (e.httpStatus() >= 500) {
        log.warn("dashboard: {} {}: the server answered: {}", exchange.getRequestMethod(),
            exchange.getRequestURI().getPath(), e.getMessage());
      }
      if (e.httpStatus() == 401 && exchange.getRequestURI().getPath().equals("/metrics")) {
        exchange.getResponseHeaders().add("WWW-Authenticate", BASIC_CHALLENGE);
      }
      Response.error(exchange, e.httpStatus(), e.getMessage());
    } catch (IOException | RuntimeException e) {
      log.warn("dashboard: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
      if (exchange.getResponseCode() == -1) { // nothing sent yet
        Response.error(exchange, 500, "the dashboard failed; see the server's log");
      }
    }
  }

  private void login(HttpExchange exchange, String method) throws IOException {
    if (!method.equals("POST")) {
      pages.send(exchange, "/login.html");
      return;
    }
    Map<String, String> form = Response.form(exchange);
    String user = form.getOrDefault("user", "");
    try {
      String password = form.getOrDefault("password", "");
      // no user name: the password is the Kapu token, which the server takes as a bearer token
      Logins.Login login = user.isEmpty() ? tokenLogin(password) : new Logins.Login(user, admin.login(user, password));
      String cookie = logins.open(login);
      exchange.getResponseHeaders().add("Set-Cookie", Logins.COOKIE + "=" + cookie + "; Path=/; HttpOnly; SameSite=Strict");
      log.info("dashboard: {} logged in from {}", user, exchange.getRemoteAddress().getAddress().getHostAddress());
      Response.redirect(exchange, "/");
    } catch (AdminException e) {
      log.info("dashboard: {} could not log in from {}: {}", user,
          exchange.getRemoteAddress().getAddress().getHostAddress(), e.getMessage());
      Response.redirect(exchange, "/login?error=" + URLEncoder.encode(e.getMessage(), StandardCharsets.UTF_8));
    }
  }

  /** The caller's login: the session its cookie names, else its Basic header's (logging in on first sight). */
  private Optional<Logins.Login> authenticated(HttpExchange exchange) throws AdminException {
    Optional<Logins.Login> bySession = logins.bySessionCookie(exchange.getRequestHeaders().getFirst("Cookie"));
    if (bySession.isPresent()) {
      return bySession;
    }
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    Optional<String> bearer = Logins.bearerToken(authorization);
    if (bearer.isPresent()) { // the Kapu token, sent as it is: the server checks it on each call
      return Optional.of(new Logins.Login(Logins.TOKEN_USER, KapuAdmin.bearer(bearer.get())));
    }
    Optional<String[]> basic = Logins.basicCredentials(authorization);
    if (basic.isEmpty()) {
      return Optional.empty();
    }
    Optional<Logins.Login> remembered = logins.byBasicHeader(authorization);
    if (remembered.isPresent()) {
      return remembered;
    }
    Logins.Login login = new Logins.Login(basic.get()[0], admin.login(basic.get()[0], basic.get()[1]));
    logins.rememberBasic(authorization, login);
    return Optional.of(login);
  }

  /** A login with the Kapu token, once the server has taken it (a status call). */
  private Logins.Login tokenLogin(String token) throws AdminException {
    Logins.Login login = new Logins.Login(Logins.TOKEN_USER, KapuAdmin.bearer(token));
    try {
      admin.status(login.bearer());
    } catch (AdminException e) {
      throw e.httpStatus() == 401 ? new AdminException(401, "wrong token (or give a user name)") : e;
    }
    return login;
  }

  private interface LoggedIn {
    void run(Logins.Login login) throws IOException, AdminException;
  }

  /** Runs {@code then} as the caller's login, or answers 401 (asking scrapers for Basic credentials if {@code basic}). */
  private void withLogin(HttpExchange exchange, boolean basic, LoggedIn then) throws IOException, AdminException {
    Optional<Logins.Login> login = authenticated(exchange);
    if (login.isEmpty()) {
      if (basic) {
        exchange.getResponseHeaders().add("WWW-Authenticate", BASIC_CHALLENGE);
      }
      Response.error(exchange, 401, "log in first");
      return;
    }
    then.run(login.get());
  }

  private interface Call {
    byte[] run() throws AdminException;
  }

  /**
   * Calls the server as {@code login}; if the server no longer knows its token (it restarted, or
   * the token expired), that login is forgotten, so the page asks to log in again and a scraper's
   * next request logs in anew.
   */
  private byte[] call(HttpExchange exchange, Logins.Login login, Call call) throws AdminException {
    try {
      return call.run();
    } catch (AdminException e) {
      if (e.httpStatus() == 401) {
        logins.close(exchange.getRequestHeaders().getFirst("Cookie"));
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null) {
          logins.forgetBasic(authorization);
        }
      }
      throw e;
    }
  }

  /** The status as metrics, in the format the scraper asks for (OpenMetrics if it accepts it). */
  private static void metrics(HttpExchange exchange, byte[] status) throws IOException {
    String accept = exchange.getRequestHeaders().getFirst("Accept");
    OpenMetricsTextFormatWriter openMetrics = OpenMetricsTextFormatWriter.create();
    ExpositionFormatWriter writer = openMetrics.accepts(accept) ? openMetrics : PrometheusTextFormatWriter.create();
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    writer.write(text, StatusMetrics.of(JSON.readTree(status)));
    Response.send(exchange, 200, writer.getContentType(), text.toByteArray());
  }

  @Override
  public void close() throws Exception {
    http.stop(0);
    threads.shutdownNow();
    admin.close();
  }
}
