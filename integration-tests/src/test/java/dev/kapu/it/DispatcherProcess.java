package dev.kapu.it;

import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Kapu dispatcher with one local daemon in a JVM of its own, for clients that attach with
 * {@link Kapu#connect}: it prints its URL and token and runs until its standard input closes.
 */
final class DispatcherProcess implements AutoCloseable {
  final Process process;
  final String url;
  final String token;

  private DispatcherProcess(Process process, String url, String token) {
    this.process = process;
    this.url = url;
    this.token = token;
  }

  static DispatcherProcess start() throws IOException {
    List<String> command = ThisJvmCommand.of(DispatcherProcess.class.getName());
    Process p = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String url = null;
    String token = null;
    for (String line = out.readLine(); line != null && !line.equals("ready"); line = out.readLine()) {
      if (line.startsWith("url=")) {
        url = line.substring(4);
      } else if (line.startsWith("token=")) {
        token = line.substring(6);
      }
    }
    if (url == null || token == null) {
      p.destroyForcibly();
      throw new AssertionError("the dispatcher process did not start; see the test's standard error");
    }
    return new DispatcherProcess(p, url, token);
  }

  /** Kills the dispatcher and its daemon (SIGKILL works on stopped processes too). */
  @Override
  public void close() throws InterruptedException {
    List<ProcessHandle> all = process.descendants().toList();
    process.destroyForcibly();
    all.forEach(ProcessHandle::destroyForcibly);
    process.waitFor(10, TimeUnit.SECONDS);
  }

  public static void main(String[] args) throws Exception {
    try (LocalKapu kapu = Kapu.local(1)) {
      System.out.println("url=" + kapu.endpoint().url());
      System.out.println("token=" + kapu.endpoint().token());
      System.out.println("ready");
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the test closes our input or kills us
      }
    }
  }
}
