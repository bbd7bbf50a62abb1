package dev.kapu.client.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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

  private final BatchBuilder.Options options;
  private final String partition;
  private final String account;
  private final String qos;

  private SlurmLauncher(Builder b) {
    this.options = b.options();
    this.partition = b.partition;
    this.account = b.account;
    this.qos = b.qos;
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
    return options.jobName(controller);
  }

  /** The batch script for a launch: directives, your lines, then the worker named by its array index. */
  String script(LaunchRequest request) {
    List<String> d = new ArrayList<>();
    if (partition != null) {
      d.add("--partition=" + partition);
    }
    if (options.cpus() != null) {
      d.add("--cpus-per-task=" + options.cpus());
    }
    if (options.memory() != null) {
      d.add("--mem=" + options.memory());
    }
    if (options.time() != null) {
      d.add("--time=" + slurmTime(options.seconds()));
    }
    if (account != null) {
      d.add("--account=" + account);
    }
    if (qos != null) {
      d.add("--qos=" + qos);
    }
    return options.script(request, "#SBATCH", d, "$SLURM_ARRAY_TASK_ID");
  }

  /** {@code D-HH:MM:SS}. */
  static String slurmTime(long s) {
    return String.format("%d-%02d:%02d:%02d", s / 86400, (s / 3600) % 24, (s / 60) % 60, s % 60);
  }

  @Override
  public Launch launch(LaunchRequest request) {
    List<String> ids = request.workerIds();
    Path script = request.directory().resolve("slurm-" + ids.get(0) + ".sh");
    List<String> argv = List.of(options.submit(), "--parsable",
        "--job-name=" + jobName(request.controller()),
        "--array=0-" + (ids.size() - 1),
        "--output=" + request.directory().resolve("slurm-%A_%a.log"),
        script.toString());
    String jobId = BatchJobs.submit(script, script(request), argv, request.directory(), SlurmLauncher::jobId);
    return new SlurmLaunch(ids, jobId, request.directory());
  }

  /** The job id in {@code sbatch --parsable}'s last line ({@code <id>[;<cluster>]}). */
  private static Optional<String> jobId(String output) {
    String id = output.strip().lines().reduce((a, b) -> b).orElse("").split(";")[0].strip();
    return id.matches("\\d+") ? Optional.of(id) : Optional.empty();
  }

  /** One array job; its tasks' names are {@code <job>_<index>}, as squeue lists them. */
  private final class SlurmLaunch extends ArrayJobLaunch {
    private final Path directory;
    private boolean jobGone;

    SlurmLaunch(List<String> ids, String jobId, Path directory) {
      super(ids, jobId);
      this.directory = directory;
    }

    @Override
    String task(String workerId) {
      return jobId + "_" + index(workerId);
    }

    @Override
    Map<String, String> poll() {
      if (jobGone) {
        return Map.of();
      }
      BatchJobs.Result r = BatchJobs.run(List.of(options.status(), "-h", "-r", "-j", jobId, "-o", "%i %T"),
          null);
      if (r.code() != 0) {
        // Once the job has left squeue's memory, it says so; other failures prove nothing.
        jobGone = r.output().contains("Invalid job id");
        return jobGone ? Map.of() : null;
      }
      Map<String, String> s = new HashMap<>();
      r.output().lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(l -> {
        String[] parts = l.split("\\s+");
        if (parts.length >= 2) {
          s.put(parts[0], parts[1]);
        }
      });
      return s;
    }

    @Override
    boolean live(String state) {
      return LIVE_STATES.contains(state);
    }

    @Override
    Path log(String task) {
      return directory.resolve("slurm-" + task + ".log");
    }

    @Override
    public void terminate(String workerId) {
      BatchJobs.run(List.of(options.cancel(), task(workerId)), null);
    }

    @Override
    public void terminateAll() {
      BatchJobs.run(List.of(options.cancel(), jobId), null);
    }

    @Override
    public String toString() {
      return "SLURM job " + jobId;
    }
  }

  /** The shared settings ({@link BatchBuilder}), in SLURM's terms, and SLURM's own. */
  public static final class Builder extends BatchBuilder<Builder> {
    private String partition;
    private String account;
    private String qos;

    private Builder() {
      super("sbatch", "squeue", "scancel");
    }

    public Builder partition(String partition) {
      this.partition = partition;
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

    public SlurmLauncher build() {
      return new SlurmLauncher(this);
    }
  }

  /**
   * {@code slurm}: {@code partition}, {@code cpus} ({@code --cpus-per-task}), {@code memory}
   * ({@code --mem}), {@code time} (seconds or ISO-8601), {@code job-name}, {@code account},
   * {@code qos}, {@code directives} (more {@code #SBATCH} lines) and {@code script} (lines
   * separated by newlines), {@code java}, {@code classpath}.
   */
  public static final class Provider implements LauncherProvider {
    @Override
    public String name() {
      return "slurm";
    }

    @Override
    public Launcher create(Map<String, String> settings) {
      Settings s = new Settings("slurm", settings);
      Builder b = new Builder().read(s).partition(s.get("partition")).account(s.get("account")).qos(s.get("qos"));
      s.done();
      return b.build();
    }
  }
}
