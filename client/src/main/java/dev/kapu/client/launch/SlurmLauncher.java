package dev.kapu.client.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Workers as SLURM jobs: one {@code sbatch --array} per launch, one array task per worker, with
 * the memory, CPUs, time, partition and extra {@code #SBATCH} directives and script lines you set.
 * {@code scancel} stops a worker whether it is queued or running.
 *
 * <p>Workers read the token from the controller's token file, so the controller's directory must
 * be on a file system the compute nodes share (see the controller's {@code directory} setting),
 * and the dispatcher must listen where the nodes can reach it (the controller's {@code listen}).
 * Each array task logs to {@code slurm-<job>_<index>.log} in that directory.
 */
public final class SlurmLauncher implements Launcher {
  /** squeue states in which an array task has not yet ended. */
  private static final Set<String> LIVE_STATES = Set.of("PENDING", "CONFIGURING", "RUNNING",
      "RESIZING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "SUSPENDED", "STOPPED", "SIGNALING",
      "RESV_DEL_HOLD", "SPECIAL_EXIT");
  private static final long COMMAND_SECONDS = 60;

  private final String partition;
  private final Integer cpusPerTask;
  private final String memory;
  private final Duration time;
  private final String jobName;
  private final String account;
  private final String qos;
  private final List<String> directives;
  private final List<String> scriptLines;
  private final String sbatch;
  private final String squeue;
  private final String scancel;
  private final String java;
  private final String classpath;

  private SlurmLauncher(Builder b) {
    this.partition = b.partition;
    this.cpusPerTask = b.cpusPerTask;
    this.memory = b.memory;
    this.time = b.time;
    this.jobName = b.jobName;
    this.account = b.account;
    this.qos = b.qos;
    this.directives = List.copyOf(b.directives);
    this.scriptLines = List.copyOf(b.scriptLines);
    this.sbatch = b.sbatch;
    this.squeue = b.squeue;
    this.scancel = b.scancel;
    this.java = b.java;
    this.classpath = b.classpath;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "slurm";
  }

  /** The job name for a controller's workers: {@code kapu-<controller>} unless set. */
  public String jobName(String controller) {
    return jobName != null ? jobName : "kapu-" + controller;
  }

  /** The batch script for a launch: directives, your lines, then the worker named by its array index. */
  String script(LaunchRequest request) {
    WorkerCommand command = request.command();
    if (java != null) {
      command = command.withJava(java);
    }
    if (classpath != null) {
      command = command.withClasspath(classpath);
    }
    StringBuilder s = new StringBuilder("#!/bin/bash\n");
    s.append("# Written by Kapu for controller ").append(request.controller()).append('\n');
    if (partition != null) {
      s.append("#SBATCH --partition=").append(partition).append('\n');
    }
    if (cpusPerTask != null) {
      s.append("#SBATCH --cpus-per-task=").append(cpusPerTask).append('\n');
    }
    if (memory != null) {
      s.append("#SBATCH --mem=").append(memory).append('\n');
    }
    if (time != null) {
      s.append("#SBATCH --time=").append(slurmTime(time)).append('\n');
    }
    if (account != null) {
      s.append("#SBATCH --account=").append(account).append('\n');
    }
    if (qos != null) {
      s.append("#SBATCH --qos=").append(qos).append('\n');
    }
    for (String d : directives) {
      s.append("#SBATCH ").append(d).append('\n');
    }
    for (String line : scriptLines) {
      s.append(line).append('\n');
    }
    s.append("KAPU_IDS=(");
    s.append(String.join(" ", request.workerIds().stream().map(Shell::quote).toList()));
    s.append(")\n");
    s.append("exec ").append(command.shellCommandWithIdExpression("\"${KAPU_IDS[$SLURM_ARRAY_TASK_ID]}\""))
        .append('\n');
    return s.toString();
  }

  /** {@code D-HH:MM:SS}, rounded up to the second. */
  static String slurmTime(Duration d) {
    long s = d.toSeconds() + (d.toNanosPart() > 0 ? 1 : 0);
    return String.format("%d-%02d:%02d:%02d", s / 86400, (s / 3600) % 24, (s / 60) % 60, s % 60);
  }

  @Override
  public Launch launch(LaunchRequest request) {
    List<String> ids = request.workerIds();
    Path script = request.directory().resolve("slurm-" + ids.get(0) + ".sh");
    try {
      Files.writeString(script, script(request), StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new LaunchException("cannot write the batch script " + script + ": " + e.getMessage(), e);
    }
    List<String> argv = new ArrayList<>(List.of(sbatch, "--parsable",
        "--job-name=" + jobName(request.controller()),
        "--array=0-" + (ids.size() - 1),
        "--output=" + request.directory().resolve("slurm-%A_%a.log"),
        script.toString()));
    Result r = run(argv, request.directory());
    if (r.code != 0) {
      throw new LaunchException("sbatch failed (exit " + r.code + "): " + r.output.strip()
          + "\ncommand: " + String.join(" ", argv));
    }
    String jobId = r.output.strip().lines().reduce((a, b) -> b).orElse("").split(";")[0].strip();
    if (!jobId.matches("\\d+")) {
      throw new LaunchException("sbatch printed no job id: '" + r.output.strip() + "'");
    }
    return new SlurmLaunch(ids, jobId, request.directory());
  }

  private record Result(int code, String output) {}

  private static Result run(List<String> argv, Path directory) {
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
      return new Result(-1, "cannot run " + argv.get(0) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  /** One array job. squeue is asked at most once a second, whatever the controller's pace. */
  private final class SlurmLaunch implements Launch {
    private final List<String> ids;
    private final String jobId;
    private final Path directory;
    private boolean checked;
    private long checkedAt;
    /** The array's tasks squeue lists, with their states; null until squeue has answered once. */
    private Map<String, String> states;
    private boolean jobGone;

    SlurmLaunch(List<String> ids, String jobId, Path directory) {
      this.ids = ids;
      this.jobId = jobId;
      this.directory = directory;
    }

    @Override
    public List<String> workerIds() {
      return ids;
    }

    private String task(String workerId) {
      return jobId + "_" + ids.indexOf(workerId);
    }

    private synchronized void refresh() {
      long now = System.nanoTime();
      if (jobGone || (checked && now - checkedAt < TimeUnit.SECONDS.toNanos(1))) {
        return;
      }
      checked = true;
      checkedAt = now;
      Result r = run(List.of(squeue, "-h", "-r", "-j", jobId, "-o", "%i %T"), null);
      if (r.code != 0) {
        // Once the job has left squeue's memory, it says so; other failures prove nothing.
        if (r.output.contains("Invalid job id")) {
          jobGone = true;
          states = Map.of();
        }
        return;
      }
      Map<String, String> s = new HashMap<>();
      r.output.lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(l -> {
        String[] parts = l.split("\\s+");
        if (parts.length >= 2) {
          s.put(parts[0], parts[1]);
        }
      });
      states = s;
    }

    @Override
    public Optional<String> ended(String workerId) {
      refresh();
      String task = task(workerId);
      String state;
      synchronized (this) {
        if (states == null) {
          return Optional.empty(); // squeue has not answered yet: nothing is known
        }
        state = states.get(task);
      }
      if (state != null && LIVE_STATES.contains(state)) {
        return Optional.empty();
      }
      Path log = directory.resolve("slurm-" + task + ".log");
      return Optional.of("SLURM job " + task + " has ended" + (state != null ? " (" + state + ")" : "")
          + "; its log (" + log + ") ends with:\n" + ProcessLaunch.tail(log, 15));
    }

    @Override
    public void terminate(String workerId) {
      run(List.of(scancel, task(workerId)), null);
    }

    @Override
    public void terminateAll() {
      run(List.of(scancel, jobId), null);
    }

    @Override
    public String toString() {
      return "SLURM job " + jobId;
    }
  }

  public static final class Builder {
    private String partition;
    private Integer cpusPerTask;
    private String memory;
    private Duration time;
    private String jobName;
    private String account;
    private String qos;
    private final List<String> directives = new ArrayList<>();
    private final List<String> scriptLines = new ArrayList<>();
    private String sbatch = "sbatch";
    private String squeue = "squeue";
    private String scancel = "scancel";
    private String java;
    private String classpath;

    private Builder() {}

    public Builder partition(String partition) {
      this.partition = partition;
      return this;
    }

    /** {@code --cpus-per-task}; match it with the controller's slots. */
    public Builder cpusPerTask(int cpus) {
      this.cpusPerTask = cpus;
      return this;
    }

    /** {@code --mem}, in SLURM's notation: {@code 4G}, {@code 512M}. */
    public Builder memory(String memory) {
      this.memory = memory;
      return this;
    }

    /** {@code --time}: the job's limit; keep it above the controller's wall time. */
    public Builder time(Duration time) {
      this.time = time;
      return this;
    }

    /** {@code --job-name} (default {@code kapu-<controller>}). */
    public Builder jobName(String name) {
      this.jobName = name;
      return this;
    }

    public Builder account(String account) {
      this.account = account;
      return this;
    }

    public Builder qos(String qos) {
      this.qos = qos;
      return this;
    }

    /** Another {@code #SBATCH} directive, for example {@code --gres=gpu:1} or {@code --constraint=avx2}. */
    public Builder directive(String directive) {
      this.directives.add(Objects.requireNonNull(directive));
      return this;
    }

    /** A line of the script before the worker starts, for example {@code module load java/17}. */
    public Builder scriptLine(String line) {
      this.scriptLines.add(Objects.requireNonNull(line));
      return this;
    }

    /** Where {@code sbatch}, {@code squeue} and {@code scancel} are (default: on the PATH). */
    public Builder commands(String sbatch, String squeue, String scancel) {
      this.sbatch = sbatch;
      this.squeue = squeue;
      this.scancel = scancel;
      return this;
    }

    /** The {@code java} binary on the nodes (default: this JVM's path). */
    public Builder java(String java) {
      this.java = java;
      return this;
    }

    /** The class path on the nodes (default: this JVM's). */
    public Builder classpath(String classpath) {
      this.classpath = classpath;
      return this;
    }

    public SlurmLauncher build() {
      return new SlurmLauncher(this);
    }
  }

  /**
   * {@code slurm}: {@code partition}, {@code cpus}, {@code memory}, {@code time} (seconds or
   * ISO-8601), {@code job-name}, {@code account}, {@code qos}, {@code directives} and {@code script}
   * (lines separated by newlines), {@code java}, {@code classpath}.
   */
  public static final class Provider implements LauncherProvider {
    @Override
    public String name() {
      return "slurm";
    }

    @Override
    public Launcher create(Map<String, String> settings) {
      Settings s = new Settings("slurm", settings);
      Builder b = new Builder().partition(s.get("partition")).memory(s.get("memory"))
          .time(s.duration("time")).jobName(s.get("job-name")).account(s.get("account"))
          .qos(s.get("qos")).java(s.get("java")).classpath(s.get("classpath"));
      Integer cpus = s.integer("cpus");
      if (cpus != null) {
        b.cpusPerTask(cpus);
      }
      s.list("directives", "\n").forEach(b::directive);
      s.list("script", "\n").forEach(b::scriptLine);
      s.done();
      return b.build();
    }
  }
}
