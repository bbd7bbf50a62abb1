package dev.kapu.examples.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every request of the service without holding a thread while its task runs: the
 * handler starts the route's task, registers a callback on the future and returns; the
 * callback writes the response later, on the server's own executor. The JDK's {@code HttpServer}
 * allows this: an exchange may be completed from any thread after {@code handle} returns, and
 * the connection waits meanwhile without a thread.
 *
 * <p>{@link WebBackend.Mode#BLOCKING} is the way not to do it, kept to measure the difference: the
 * handler waits for the future on the server's thread, so a server with two threads has at most
 * two requests in progress, however many daemons could run their tasks.
 */
final class RequestHandler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(RequestHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] CANNOT_WRITE =
      "{\"error\":\"the answer could not be written; the service's log says why\"}".getBytes(StandardCharsets.UTF_8);

  private final Map<String, Route> routes;
  private final List<String> usages;
  private final Executor responses;
  private final WebBackend.Mode mode;
  private final RequestCounters counters;

  /** @param responses where completion callbacks write their responses: the server's own executor */
  RequestHandler(List<Route> routes, Executor responses, WebBackend.Mode mode, RequestCounters counters) {
    this.routes = routes.stream().collect(Collectors.toUnmodifiableMap(Route::path, Function.identity()));
    this.usages = routes.stream().map(Route::usage).toList();
    this.responses = responses;
    this.mode = mode;
    this.counters = counters;
  }

  @Override
  public void handle(HttpExchange exchange) {
    counters.started();
    Route route = routes.get(exchange.getRequestURI().getPath());
    if (route == null) {
      write(exchange, Reply.notFound(exchange.getRequestURI().getPath(), usages));
    } else if (!"GET".equals(exchange.getRequestMethod())) {
      exchange.getResponseHeaders().set("Allow", "GET");
      write(exchange, Reply.methodNotAllowed(exchange.getRequestMethod()));
    } else if (mode == WebBackend.Mode.ASYNC) {
      start(route, exchange).whenCompleteAsync(
          (body, failure) -> write(exchange, replyOf(body, failure, route)), responses);
    } else {
      write(exchange, start(route, exchange).handle((body, failure) -> replyOf(body, failure, route)).join());
    }
  }

  /** The route's answer; a request it refuses at once (bad parameters, a full queue) is a failed future. */
  private static CompletableFuture<?> start(Route route, HttpExchange exchange) {
    try {
      return route.answer().start(Params.of(exchange.getRequestURI()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static Reply replyOf(Object body, Throwable failure, Route route) {
    if (failure == null) {
      return Reply.ok(body);
    }
    Reply reply = Reply.failure(failure, route.usage());
    if (reply.isServiceFault()) {
      log.warn("{} failed", route.path(), failure);
    }
    return reply;
  }

  private void write(HttpExchange exchange, Reply reply) {
    try {
      int status = reply.status();
      byte[] body;
      try {
        body = JSON.writeValueAsBytes(reply.body());
      } catch (JsonProcessingException e) {
        log.error("cannot write the answer to {} as JSON", exchange.getRequestURI(), e);
        status = 500;
        body = CANNOT_WRITE;
      }
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      if (status == 503) {
        exchange.getResponseHeaders().set("Retry-After", "1");
      }
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException e) {
      log.debug("the client of {} left before its answer: {}", exchange.getRequestURI(), e.toString());
    } finally {
      exchange.close();
      counters.finished();
    }
  }
}
