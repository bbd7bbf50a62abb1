package dev.kapu.it;

import dev.kapu.client.launch.WorkerCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a JVM of its own that runs {@code mainClass} as this test JVM would: its
 * {@code java}, the flags every Kapu process starts with and this module's class path.
 */
final class ThisJvmCommand {
  private ThisJvmCommand() {}

  /** The command, which callers may add arguments to. */
  static List<String> of(String mainClass, String... args) {
    return of(List.of(), mainClass, args);
  }

  /** With {@code jvmOptions} after Kapu's flags. */
  static List<String> of(List<String> jvmOptions, String mainClass, String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(WorkerCommand.JVM_FLAGS);
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
    command.addAll(List.of(args));
    return command;
  }
}
