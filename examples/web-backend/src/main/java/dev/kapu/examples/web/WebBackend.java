package dev.kapu.examples.web;

import com.sun.net.httpserver.HttpServer;
import dev.kapu.client.Kapu;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP service on the JDK's {@code HttpServer} that answers each request with a Kapu task,
 * on a small fixed pool of threads that never waits for a task (see {@link RequestHandler}).
 * Its endpoints are {@link Endpoints}' and {@code /stats}, which shows the pool's size and the
 * most requests that were in progress at once.
 */
public final class WebBackend implements AutoCloseable {
  /** The ways a handler can treat its task's future: return at once, or wait (to measure the difference). */
  public enum Mode { ASYNC, BLOCKING }

  /**
   * What {@code /stats} shows.
   *
   * @param mode how handlers treat their futures
   * @param httpThreads the server's fixed pool size
   * @param mostHttpThreads the most threads the pool ever had (never more than {@code httpThreads})
   * @param inProgress requests received and not yet answered
   * @param mostInProgress the most requests in progress at once
   * @param answered requests answered
   */
  public record Stats(Mode mode, int httpThreads, int mostHttpThreads, int inProgress, int mostInProgress,
      long answered) {}

  private final HttpServer server;
  private final ThreadPoolExecutor httpThreads;
  private final RequestCounters counters = new RequestCounters();
  private final Mode mode;

  private WebBackend(HttpServer server, ThreadPoolExecutor httpThreads, Mode mode) {
    this.server = server;
    this.httpThreads = httpThreads;
    this.mode = mode;
  }

  /**
   * Starts serving on {@code address} (port 0 for a free one) with {@code threads} HTTP threads;
   * every task may run for {@code taskTimeout}. {@code kapu} stays the caller's to close.
   */
  public static WebBackend start(Kapu kapu, InetSocketAddress address, int threads, Duration taskTimeout, Mode mode)
      throws IOException {
    // The queue holds at most one exchange per open connection (HTTP/1.1 without pipelining) and one
    // response per request in progress, which Kapu's queue budget bounds (503 past it).
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), named("http-"));
    // A backlog for a burst of connections: wrk opens its 200 at once.
    HttpServer server = HttpServer.create(address, 1024);
    WebBackend backend = new WebBackend(server, pool, mode);
    List<Route> routes = new ArrayList<>(Endpoints.of(kapu, taskTimeout));
    routes.add(Endpoints.immediate("/stats", backend::stats));
    server.createContext("/", new RequestHandler(routes, pool, mode, backend.counters));
    server.setExecutor(pool);
    server.start();
    return backend;
  }

  /** Where the service listens, as {@code http://host:port}. */
  public URI uri() {
    InetSocketAddress address = server.getAddress();
    return URI.create("http://" + address.getHostString() + ":" + address.getPort());
  }

  public Stats stats() {
    return new Stats(mode, httpThreads.getMaximumPoolSize(), httpThreads.getLargestPoolSize(),
        counters.inProgress(), counters.mostInProgress(), counters.answered());
  }

  /** Stops serving at once; requests in progress get no answer. */
  @Override
  public void close() {
    server.stop(0);
    httpThreads.shutdownNow();
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger next = new AtomicInteger(1);
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + next.getAndIncrement());
      thread.setDaemon(true);
      return thread;
    };
  }
}
