package dev.kapu.examples.web;

import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The service's endpoints, each answered by a Kapu task: its handler submits the task, returns
 * the future, and never waits for it.
 *
 * <ul>
 *   <li>{@code /fib?n=30}: the 30th Fibonacci number, computed on a daemon;
 *   <li>{@code /slow?ms=20&id=abc}: a task that sleeps 20 ms (a stand-in for any slow call)
 *       and echoes the caller's {@code id};
 *   <li>{@code /orders?shop=7}: a query against the DuckDB the daemons host.
 * </ul>
 *
 * Every task has a timeout, so every request gets an answer: at the latest a 504 once the
 * timeout has passed.
 */
final class Endpoints {
  /** fib(92) is the largest that fits a {@code long}. */
  static final int MAX_FIB = 92;
  static final int MAX_SLEEP_MS = 60_000;

  record Fibonacci(int n, long fib) implements Serializable {}

  record Slept(String id, int ms, String daemon) implements Serializable {}

  private Endpoints() {}

  static List<Route> of(Kapu kapu, Duration taskTimeout) {
    TaskOptions options = TaskOptions.timeout(taskTimeout);
    TaskOptions onStore = options.withResources(Orders.RESOURCE);
    return List.of(
        new Route("/fib", "/fib?n=30", params -> {
          int n = params.integer("n", 0, MAX_FIB);
          return kapu.submit(ctx -> new Fibonacci(n, fibonacci(n)), options);
        }),
        new Route("/slow", "/slow?ms=20&id=abc", params -> {
          int ms = params.integer("ms", 0, MAX_SLEEP_MS);
          String id = params.text("id", 100).orElse("");
          return kapu.submit(ctx -> {
            Thread.sleep(ms);
            return new Slept(id, ms, ctx.daemonId());
          }, options);
        }),
        new Route("/orders", "/orders?shop=7", params -> {
          int shop = params.integer("shop", 0, Integer.MAX_VALUE);
          return kapu.submit(ctx -> Orders.totals(ctx, shop), onStore);
        }));
  }

  static long fibonacci(int n) {
    long previous = 0;
    long current = n == 0 ? 0 : 1;
    for (int i = 1; i < n; i++) {
      long next = previous + current;
      previous = current;
      current = next;
    }
    return current;
  }

  /** A route that answers at once from this process, for {@code /stats}. */
  static Route immediate(String path, Supplier<?> body) {
    return new Route(path, path, params -> CompletableFuture.completedFuture(body.get()));
  }
}
