package dev.kapu.client.launch;

import java.util.List;
import java.util.stream.Collectors;

/** Quoting for POSIX shells, for launchers that hand a command to {@code sh}, SSH or a scheduler. */
public final class Shell {
  private Shell() {}

  /** {@code word} as one word for a POSIX shell: single-quoted unless it is plainly safe. */
  public static String quote(String word) {
    if (!word.isEmpty() && word.chars().allMatch(c -> Character.isLetterOrDigit(c)
        || "-_./:=,+@%".indexOf(c) >= 0)) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  /** The words, each quoted, separated by spaces. */
  public static String join(List<String> words) {
    return words.stream().map(Shell::quote).collect(Collectors.joining(" "));
  }
}
