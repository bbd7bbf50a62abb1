package dev.kapu.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace joined to this machine by a veth pair, made for one test: a process started
 * inside ({@link #exec}) reaches this machine at {@link #hostAddress()} only over that link, and
 * {@link #cut()} takes the link down, so that packets vanish both ways with no error on either side,
 * as on a partitioned network. Needs root and iproute2's {@code ip}; without them it fails, never
 * skips. Names and the subnet are random, as other tests may run beside this one.
 */
final class NetworkNamespace implements AutoCloseable {
  final String name;
  final String hostLink;
  final String hostAddress;
  final String innerAddress;

  private NetworkNamespace(String suffix, int a, int b) {
    this.name = "kapu-" + suffix;
    this.hostLink = "kh" + suffix; // interface names have at most 15 characters
    this.hostAddress = "10." + a + "." + b + ".1";
    this.innerAddress = "10." + a + "." + b + ".2";
  }

  static NetworkNamespace create() throws IOException, InterruptedException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    String suffix = Integer.toHexString(0x100000 + random.nextInt(0xf00000));
    NetworkNamespace ns = new NetworkNamespace(suffix, 64 + random.nextInt(64), random.nextInt(256) & 0xfc);
    String innerLink = "kn" + suffix;
    try {
      run("ip", "netns", "add", ns.name);
      run("ip", "link", "add", ns.hostLink, "type", "veth", "peer", "name", innerLink);
      run("ip", "link", "set", innerLink, "netns", ns.name);
      run("ip", "addr", "add", ns.hostAddress + "/30", "dev", ns.hostLink);
      run("ip", "link", "set", ns.hostLink, "up");
      run("ip", "netns", "exec", ns.name, "ip", "addr", "add", ns.innerAddress + "/30", "dev", innerLink);
      run("ip", "netns", "exec", ns.name, "ip", "link", "set", innerLink, "up");
      run("ip", "netns", "exec", ns.name, "ip", "link", "set", "lo", "up");
      return ns;
    } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
      ns.close();
      throw e;
    }
  }

  /** {@code command} run inside the namespace. */
  List<String> exec(List<String> command) {
    List<String> inside = new ArrayList<>(List.of("ip", "netns", "exec", name));
    inside.addAll(command);
    return inside;
  }

  /** Takes the link down: from now on nothing crosses it, and nobody is told. */
  void cut() throws IOException, InterruptedException {
    run("ip", "link", "set", hostLink, "down");
  }

  /** Deletes the namespace, and with it both ends of the link. */
  @Override
  public void close() {
    try {
      runQuietly("ip", "netns", "delete", name);
      runQuietly("ip", "link", "delete", hostLink); // gone with the namespace, unless that failed
    } catch (IOException | InterruptedException e) {
      throw new AssertionError("could not delete network namespace " + name + ": " + e, e);
    }
  }

  /** Runs a command, failing loudly with its output if it does not succeed. */
  static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output;
    try (var in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within 30 s");
    }
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + output
          + " (this test needs root and iproute2; .ci/run installs it)");
    }
    return output;
  }

  private static void runQuietly(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    p.waitFor(30, TimeUnit.SECONDS);
  }
}
