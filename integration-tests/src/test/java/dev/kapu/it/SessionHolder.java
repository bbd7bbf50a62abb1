package dev.kapu.it;

import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import java.nio.file.Path;

/**
 * A client program that opens a {@code Kapu.local} session and never closes it: it prints the
 * session folder (where its daemon's token file is) and "ready", then waits to be killed.
 */
public final class SessionHolder {
  private SessionHolder() {}

  public static void main(String[] args) throws Exception {
    LocalKapu kapu = Kapu.local(1);
    String daemon = ProcessHandle.current().descendants()
        .map(p -> p.info().commandLine().orElse(""))
        .filter(line -> line.contains("--token-file"))
        .findFirst().orElseThrow();
    String[] words = daemon.split(" ");
    for (int i = 0; i + 1 < words.length; i++) {
      if (words[i].equals("--token-file")) {
        System.out.println("folder=" + Path.of(words[i + 1]).getParent());
      }
    }
    System.out.println("daemons=" + kapu.status().daemons().size());
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
