package dev.kapu.client.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether the standard streams are terminals, which decides {@code kapu query}'s defaults. */
final class Terminal {
  private Terminal() {}

  static boolean stdout() {
    return isTerminal(1);
  }

  static boolean stderr() {
    return isTerminal(2);
  }

  /**
   * Linux names each open descriptor in /proc/self/fd; a terminal's is a /dev/pts or /dev/tty
   * device. Elsewhere, Java's own (coarser) test: a console exists when stdin and stdout are both
   * terminals.
   */
  private static boolean isTerminal(int descriptor) {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + descriptor)).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return System.console() != null;
    }
  }
}
