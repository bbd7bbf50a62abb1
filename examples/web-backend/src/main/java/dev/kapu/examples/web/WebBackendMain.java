package dev.kapu.examples.web;

import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the example: local daemons hosting the orders table, and the HTTP service in front of them. */
@Command(name = "web-backend", mixinStandardHelpOptions = true,
    description = "An HTTP service whose handlers answer each request with a Kapu task and return at once.")
public final class WebBackendMain implements Callable<Integer> {
  @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "Port to listen on; 0 for a free one (default: ${DEFAULT-VALUE}).")
  int port = 8080;

  @Option(names = "--daemons", description = "Local daemon processes (default: ${DEFAULT-VALUE}).")
  int daemons = 2;

  @Option(names = "--slots", description = "Tasks each daemon runs at once (default: ${DEFAULT-VALUE}).")
  int slots = 16;

  @Option(names = "--http-threads", description = "The HTTP server's fixed pool of threads (default: ${DEFAULT-VALUE}).")
  int httpThreads = 2;

  @Option(names = "--task-timeout", description = "How long a task may run before the request gets 504,"
      + " as 10s, 1.5s or 2m (default: 10s).", converter = DurationConverter.class)
  Duration taskTimeout = Duration.ofSeconds(10);

  @Option(names = "--blocking", description = "Handlers wait for their task on the HTTP thread: the way"
      + " not to do it, to compare.")
  boolean blocking;

  public static void main(String[] args) {
    int exitCode = new CommandLine(new WebBackendMain()).execute(args);
    if (exitCode != 0) {
      System.exit(exitCode);
    }
    // Otherwise the server's own (non-daemon) dispatcher thread keeps the JVM up until Ctrl-C.
  }

  @Override
  public Integer call() throws Exception {
    // FAIL, not WAIT: past the queue budget a submit must not block an HTTP thread; the request gets 503.
    LocalKapu kapu = Kapu.builder().daemons(daemons).slots(slots).resource(Orders.STORE)
        .whenQueueFull(Kapu.QueueFull.FAIL).local();
    List<String> loaded = Orders.load(kapu);
    WebBackend backend = WebBackend.start(kapu, new InetSocketAddress(host, port), httpThreads, taskTimeout,
        blocking ? WebBackend.Mode.BLOCKING : WebBackend.Mode.ASYNC);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      backend.close();
      kapu.close();
    }, "web-backend-stop"));
    System.out.println("orders table loaded on daemons " + loaded);
    System.out.println("serving " + backend.uri() + " (" + backend.stats().mode() + ", " + httpThreads
        + " HTTP threads, " + daemons + " daemons x " + slots + " slots); try "
        + backend.uri() + "/fib?n=30, /slow?ms=20&id=abc, /orders?shop=7, /stats; Ctrl-C stops");
    return 0;
  }

  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return Duration.parse(value.startsWith("P") ? value : "PT" + value);
    }
  }
}
