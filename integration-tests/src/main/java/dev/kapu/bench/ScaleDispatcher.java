package dev.kapu.bench;

import dev.kapu.flight.KapuServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The dispatcher of {@code bench scale}, alone in a JVM of its own so that its heap and resident
 * memory are its own: a {@link KapuServer} on a free loopback port with no daemon of its own. It
 * prints {@code READY <url> <token>} and answers {@code memory} with {@code heap=<bytes>
 * rss=<bytes>}, the heap used after a full collection and the process's resident set.
 *
 * <p>Argument: the liveness bound in milliseconds.
 */
public final class ScaleDispatcher {

  private ScaleDispatcher() {}

  public static void main(String[] args) throws Exception {
    KapuServer server = KapuServer.builder()
        .port(0)
        .liveness(Duration.ofMillis(Long.parseLong(args[0])))
        .build();
    ChildJvm.answerRequests(request -> "memory".equals(request) ? memory() : "unknown request " + request);
    System.out.println("READY " + server.endpoint().url() + " " + server.endpoint().token());
    System.out.flush();
    new CountDownLatch(1).await(); // until the parent closes our stdin or kills us
  }

  /** Heap after a full collection (twice: the first may leave objects with finalizers' referents). */
  private static String memory() {
    System.gc();
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    return "heap=" + heap + " rss=" + residentBytes();
  }

  /** VmRSS from /proc/self/status (Linux), in bytes; -1 where there is none. */
  static long residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: no figure
    }
    return -1;
  }
}
