package dev.kapu.bench;

import dev.kapu.client.Kapu;
import dev.kapu.flight.ClusterStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

/**
 * One dispatcher and {@code n} daemons for {@code bench scale}, each part a process of its own:
 * the dispatcher ({@link ScaleDispatcher}); one daemon alone in its JVM, the one the bench freezes
 * with SIGSTOP; and the other {@code n - 1} daemons, up to {@code perJvm} to a JVM ({@link
 * ScaleDaemons}). A client session in this JVM talks to the dispatcher over TCP.
 */
final class ScaleCluster implements AutoCloseable {
  /** The id of the daemon alone in its process, which {@link #freeze()} stops (ScaleDaemons' ids). */
  static final String FROZEN_ID = "frozen-0";

  private static final Duration START = Duration.ofMinutes(3);
  private static final Duration POLL = Duration.ofMillis(50);

  private final ChildJvm dispatcher;
  private final List<ChildJvm> daemonJvms = new ArrayList<>();
  private final Kapu kapu;
  private ChildJvm frozen;
  private boolean stopped;

  private ScaleCluster(ChildJvm dispatcher, Kapu kapu) {
    this.dispatcher = dispatcher;
    this.kapu = kapu;
  }

  /** Starts the dispatcher (no daemon yet) and connects a client session to it. */
  static ScaleCluster dispatcher(Duration liveness, String heap) throws IOException {
    // A fixed heap, touched at start: the resident set then grows only by what lives outside the
    // heap (connections' buffers, threads), and the heap figure says the rest.
    ChildJvm dispatcher = ChildJvm.start(ScaleDispatcher.class,
        List.of("-Xms" + heap, "-Xmx" + heap, "-XX:+AlwaysPreTouch", quietLogs()),
        List.of(String.valueOf(liveness.toMillis())), START);
    String[] urlAndToken = dispatcher.readyText().split(" ");
    try {
      return new ScaleCluster(dispatcher, Kapu.builder().token(urlAndToken[1]).connect(urlAndToken[0]));
    } catch (RuntimeException e) {
      dispatcher.close();
      throw e;
    }
  }

  Kapu kapu() {
    return kapu;
  }

  /** The dispatcher's heap after a full collection and its resident set, in bytes: {@code [heap, rss]}. */
  long[] dispatcherMemory() throws IOException {
    String[] parts = dispatcher.ask("memory", Duration.ofMinutes(1)).split(" ");
    return new long[] {value(parts[0]), value(parts[1])};
  }

  private static long value(String keyValue) {
    return Long.parseLong(keyValue.substring(keyValue.indexOf('=') + 1));
  }

  /**
   * Launches {@code n} daemons with {@code slots} slots each (their JVMs in parallel) and returns
   * once their JVMs have started them all; {@link #awaitConnected} says when the dispatcher has them.
   */
  void launchDaemons(int n, int slots, int perJvm, String heapPerJvm) throws Exception {
    String url = dispatcher.readyText().split(" ")[0];
    String token = dispatcher.readyText().split(" ")[1];
    List<List<String>> launches = new ArrayList<>();
    launches.add(List.of(url, token, "1", String.valueOf(slots), "frozen"));
    for (int first = 0, jvm = 0; first < n - 1; first += perJvm, jvm++) {
      int count = Math.min(perJvm, n - 1 - first);
      launches.add(List.of(url, token, String.valueOf(count), String.valueOf(slots), "jvm" + jvm));
    }
    ExecutorService launchers = Executors.newFixedThreadPool(launches.size());
    try {
      List<Future<ChildJvm>> started = new ArrayList<>();
      for (List<String> args : launches) {
        started.add(launchers.submit(() -> ChildJvm.start(ScaleDaemons.class,
            List.of("-Xmx" + heapPerJvm, "-Xss512k", quietLogs()), args, START)));
      }
      for (Future<ChildJvm> jvm : started) {
        daemonJvms.add(jvm.get());
      }
    } finally {
      launchers.shutdown();
    }
    frozen = daemonJvms.get(0);
  }

  /** The dispatcher JVM's process id. */
  long dispatcherPid() {
    return dispatcher.pid();
  }

  /** The process ids of the daemon JVMs, the frozen daemon's among them. */
  List<Long> daemonPids() {
    return daemonJvms.stream().map(ChildJvm::pid).toList();
  }

  /** Polls the dispatcher's status until {@code n} daemons are connected. */
  void awaitConnected(int n) throws InterruptedException {
    await(status -> status.daemons().size() >= n, "all " + n + " daemons to connect");
  }

  /** Stops the lone daemon's process with SIGSTOP; returns the wall-clock time it was sent, in ms. */
  long freeze() throws IOException, InterruptedException {
    long at = System.currentTimeMillis();
    signal("STOP", frozen.pid());
    stopped = true;
    return at;
  }

  /** Waits until the dispatcher lists the frozen daemon as departed; returns that departure. */
  ClusterStatus.Departure awaitFrozenDeclaredLost() throws InterruptedException {
    ClusterStatus status = await(s -> frozenDeparture(s) != null, "the frozen daemon to be declared lost");
    return frozenDeparture(status);
  }

  private static ClusterStatus.Departure frozenDeparture(ClusterStatus status) {
    return status.departed().stream().filter(d -> d.id().equals(FROZEN_ID)).findFirst().orElse(null);
  }

  private ClusterStatus await(Predicate<ClusterStatus> done, String what) throws InterruptedException {
    long deadline = System.nanoTime() + START.toNanos();
    while (true) {
      ClusterStatus status = kapu.status();
      if (done.test(status)) {
        return status;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("gave up waiting for " + what + " after " + START.toSeconds()
            + " s; the dispatcher lists " + status.daemons().size());
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  private static void signal(String signal, long pid) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IOException("kill -" + signal + " " + pid + " failed");
    }
  }

  private static String quietLogs() {
    return "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn";
  }

  /**
   * Ends the client, every daemon JVM (the frozen one resumed first, so that it can exit), then
   * the dispatcher: daemons that lose their dispatcher would each log it.
   */
  @Override
  public void close() throws Exception {
    kapu.close();
    if (stopped) {
      signal("CONT", frozen.pid());
    }
    daemonJvms.forEach(ChildJvm::close);
    dispatcher.close();
  }
}
