package dev.kapu.bench;

import dev.kapu.api.Endpoint;
import dev.kapu.api.spi.DaemonOptions;
import dev.kapu.api.spi.DaemonRuntime;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Many daemons in one JVM for {@code bench scale}: each is a whole daemon as {@code
 * Kapu.inProcess()} runs one ({@link DaemonRuntime#start}), with its own gRPC channel, so its own
 * TCP connection and task stream to the dispatcher, its own heartbeats, timer and slots. They share
 * what gRPC shares in a JVM by default: the Netty event loops.
 *
 * <p>Arguments: the dispatcher's URL, its token, how many daemons, slots each, and the prefix of
 * their ids (daemon {@code i} is {@code <prefix>-<i>}). Prints {@code READY <seconds>} once all
 * have said hello (not yet welcomed: the dispatcher's status says when they are connected), and
 * runs until its parent closes its stdin.
 */
public final class ScaleDaemons {

  /** Daemons started at once: their start is mostly binding their own Flight port and dialing. */
  private static final int STARTERS = 4;

  private ScaleDaemons() {}

  public static void main(String[] args) throws Exception {
    Endpoint endpoint = new Endpoint(URI.create(args[0]), args[1], null);
    int count = Integer.parseInt(args[2]);
    int slots = Integer.parseInt(args[3]);
    String prefix = args[4];
    ChildJvm.exitWithParent();
    DaemonRuntime runtime = DaemonRuntime.require("bench scale");
    long t0 = System.nanoTime();
    ExecutorService starters = Executors.newFixedThreadPool(STARTERS);
    List<Future<DaemonRuntime.RunningDaemon>> started = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      DaemonOptions options = new DaemonOptions(endpoint, prefix + "-" + i, slots, Duration.ZERO, Duration.ZERO, 0,
          List.of(), DaemonOptions.DEFAULT_STOP_GRACE, List.of(), false);
      started.add(starters.submit(() -> runtime.start(options)));
    }
    for (Future<DaemonRuntime.RunningDaemon> daemon : started) {
      daemon.get();
    }
    starters.shutdown();
    System.out.println("READY " + BenchMain.round((System.nanoTime() - t0) / 1e9, 2));
    System.out.flush();
    new CountDownLatch(1).await(); // the daemons' threads are daemon threads: main keeps the JVM up
  }
}
