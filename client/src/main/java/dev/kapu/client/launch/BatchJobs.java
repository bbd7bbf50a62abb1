package dev.kapu.client.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What the batch-scheduler launchers ({@link SlurmLauncher}, {@link SgeLauncher}) share: running the
 * scheduler's commands, writing a job script, and the script's last lines, which start the worker
 * that the array task's index names.
 */
final class BatchJobs {
  private static final long COMMAND_SECONDS = 60;

  private BatchJobs() {}

  /** A scheduler command's exit code (-1 if it could not run or did not finish) and output. */
  record Result(int code, String output) {}

  /** Runs {@code argv} (in {@code directory} unless null) with no input, stdout and stderr together. */
  static Result run(List<String> argv, Path directory) {
    try {
      ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
      if (directory != null) {
        pb.directory(directory.toFile());
      }
      Process p = pb.start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, argv.get(0) + " did not finish within " + COMMAND_SECONDS + " s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, "cannot run " + argv.get(0) + " (is the scheduler's client installed and on the PATH?): "
          + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  /**
   * Writes a job script only its owner can read and run, submits it with {@code argv} (run in
   * {@code directory}) and returns the job id that {@code jobId} reads from the command's output.
   *
   * @throws LaunchException with the command's own words if it fails or prints no job id
   */
  static String submit(Path script, String text, List<String> argv, Path directory,
      Function<String, Optional<String>> jobId) {
    try {
      Files.writeString(script, text, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new LaunchException("cannot write the batch script " + script + ": " + e.getMessage(), e);
    }
    String command = Path.of(argv.get(0)).getFileName().toString();
    Result r = run(argv, directory);
    if (r.code() != 0) {
      // -1: it did not run or did not finish, which its output says
      throw new LaunchException((r.code() > 0 ? command + " failed (exit " + r.code() + "): " : "")
          + r.output().strip() + "\ncommand: " + String.join(" ", argv));
    }
    return jobId.apply(r.output()).orElseThrow(
        () -> new LaunchException(command + " printed no job id: '" + r.output().strip() + "'"));
  }

  /** The worker command as it must run on the nodes: their {@code java} and class path, where set. */
  static WorkerCommand onNodes(WorkerCommand command, String java, String classpath) {
    WorkerCommand c = command;
    if (java != null) {
      c = c.withJava(java);
    }
    if (classpath != null) {
      c = c.withClasspath(classpath);
    }
    return c;
  }

  /**
   * The script's last lines: the workers' names in a bash array, then the worker whose position in
   * it {@code index} (a bash arithmetic expression over the scheduler's task variable) gives.
   */
  static String startWorker(List<String> workerIds, WorkerCommand command, String index) {
    return "KAPU_IDS=(" + String.join(" ", workerIds.stream().map(Shell::quote).toList()) + ")\n"
        + "exec " + command.shellCommandWithIdExpression("\"${KAPU_IDS[" + index + "]}\"") + "\n";
  }
}
