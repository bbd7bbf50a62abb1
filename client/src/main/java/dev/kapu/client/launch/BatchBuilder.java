package dev.kapu.client.launch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the builders of the batch-scheduler launchers ({@link SlurmLauncher}, {@link SgeLauncher})
 * share: the settings every scheduler takes, in each one's own notation.
 *
 * @param <B> the launcher's builder
 */
abstract class BatchBuilder<B extends BatchBuilder<B>> {
  private Integer cpus;
  private String memory;
  private Duration time;
  private String jobName;
  private final List<String> directives = new ArrayList<>();
  private final List<String> scriptLines = new ArrayList<>();
  private String java;
  private String classpath;
  private final List<String> commands;

  /** {@code commands}: the scheduler's commands to submit, list and cancel jobs, as found on the PATH. */
  BatchBuilder(String submit, String status, String cancel) {
    this.commands = new ArrayList<>(List.of(submit, status, cancel));
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /** The cores each worker gets (SLURM: {@code --cpus-per-task}); match it with the controller's slots. */
  public B cpus(int cpus) {
    this.cpus = cpus;
    return self();
  }

  /** The memory each worker asks for, in the scheduler's notation: {@code 4G}, {@code 512M}. */
  public B memory(String memory) {
    this.memory = memory;
    return self();
  }

  /** The job's run-time limit; keep it above the controller's wall time. */
  public B time(Duration time) {
    this.time = time;
    return self();
  }

  /** The job's name (default {@code kapu-<controller>}). */
  public B jobName(String name) {
    this.jobName = name;
    return self();
  }

  /** Another line of the scheduler's directives, without its prefix ({@code #SBATCH}, {@code #$}). */
  public B directive(String directive) {
    this.directives.add(Objects.requireNonNull(directive));
    return self();
  }

  /** A line of the script before the worker starts, for example {@code module load java/17}. */
  public B scriptLine(String line) {
    this.scriptLines.add(Objects.requireNonNull(line));
    return self();
  }

  /** The {@code java} binary on the nodes (default: this JVM's path). */
  public B java(String java) {
    this.java = java;
    return self();
  }

  /** The class path on the nodes (default: this JVM's). */
  public B classpath(String classpath) {
    this.classpath = classpath;
    return self();
  }

  /**
   * Where the scheduler's commands are (default: on the PATH): SLURM's {@code sbatch}, {@code
   * squeue} and {@code scancel}, Grid Engine's {@code qsub}, {@code qstat} and {@code qdel}.
   */
  public B commands(String submit, String status, String cancel) {
    commands.set(0, Objects.requireNonNull(submit));
    commands.set(1, Objects.requireNonNull(status));
    commands.set(2, Objects.requireNonNull(cancel));
    return self();
  }

  /**
   * Reads the shared settings: {@code cpus}, {@code memory}, {@code time} (seconds or ISO-8601),
   * {@code job-name}, {@code directives} and {@code script} (lines separated by newlines),
   * {@code java}, {@code classpath}.
   */
  B read(Settings s) {
    memory(s.get("memory")).time(s.duration("time")).jobName(s.get("job-name")).java(s.get("java"))
        .classpath(s.get("classpath"));
    Integer n = s.integer("cpus");
    if (n != null) {
      cpus(n);
    }
    s.list("directives", "\n").forEach(this::directive);
    s.list("script", "\n").forEach(this::scriptLine);
    return self();
  }

  Options options() {
    return new Options(cpus, memory, time, jobName, List.copyOf(directives), List.copyOf(scriptLines), java,
        classpath, commands.get(0), commands.get(1), commands.get(2));
  }

  /** The shared settings, as a launcher keeps them. */
  record Options(Integer cpus, String memory, Duration time, String jobName, List<String> directives,
      List<String> scriptLines, String java, String classpath, String submit, String status, String cancel) {

    /** The job name for a controller's workers: {@code kapu-<controller>} unless set. */
    String jobName(String controller) {
      return jobName != null ? jobName : "kapu-" + controller;
    }

    /** The time limit in whole seconds, rounded up. */
    long seconds() {
      return time.toSeconds() + (time.toNanosPart() > 0 ? 1 : 0);
    }

    /**
     * A launch's job script: the directives, each after {@code prefix}, then the script lines, then
     * the worker named by the array task's position {@code index} (a bash arithmetic expression).
     */
    String script(LaunchRequest request, String prefix, List<String> schedulerDirectives, String index) {
      StringBuilder s = new StringBuilder("#!/bin/bash\n");
      s.append("# Written by Kapu for controller ").append(request.controller()).append('\n');
      schedulerDirectives.forEach(d -> s.append(prefix).append(' ').append(d).append('\n'));
      directives.forEach(d -> s.append(prefix).append(' ').append(d).append('\n'));
      scriptLines.forEach(line -> s.append(line).append('\n'));
      s.append(BatchJobs.startWorker(request.workerIds(), BatchJobs.onNodes(request.command(), java, classpath),
          index));
      return s.toString();
    }
  }
}
