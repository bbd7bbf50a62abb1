package dev.kapu.client.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * The {@code kapu} command line run in this JVM, as {@code bin/kapu} runs it, for the mistakes it
 * refuses before it starts anything: the exit code and what it printed on stderr (its own messages
 * and picocli's).
 */
record CliRun(int exit, String stderr) {

  static CliRun of(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(err, true, StandardCharsets.UTF_8);
    PrintStream before = System.err;
    System.setErr(capture);
    try {
      CommandLine cli = new CommandLine(new KapuCli());
      cli.setErr(new PrintWriter(capture, true));
      int exit = cli.execute(args);
      return new CliRun(exit, err.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    } finally {
      System.setErr(before);
    }
  }
}
