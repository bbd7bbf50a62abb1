package dev.kapu.client.launch;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Workers as Grid Engine jobs (Son of Grid Engine, Open Grid Scheduler, Univa/Altair), as R's
 * crew.cluster launches them: one {@code qsub -t 1-N} job array per launch, one array task per
 * worker, with the queue, cores ({@code -pe smp N}), memory ({@code -l h_vmem=}), run time, project,
 * extra {@code #$} directives and script lines you set. {@code qdel} stops a worker whether it is
 * queued or running.
 *
 * <p>As with SLURM, workers read the token from the controller's token file, so the controller's
 * directory must be on a file system the execution hosts share, and the dispatcher must listen
 * where they can reach it. Each array task logs to {@code sge-<job>.<task>.log} in the log
 * directory (the controller's, unless set).
 */
public final class SgeLauncher implements Launcher {
  /** {@code qsub -terse} of an array job: {@code 123.1-4:1}; of a plain job: {@code 123}. */
  private static final Pattern TERSE_JOB_ID = Pattern.compile("(\\d+)(?:\\.\\d+-\\d+:\\d+)?");

  private final BatchBuilder.Options options;
  private final String queue;
  private final String parallelEnvironment;
  private final String memoryResource;
  private final String project;
  private final Path logDirectory;

  private SgeLauncher(Builder b) {
    this.options = b.options();
    this.queue = b.queue;
    this.parallelEnvironment = b.parallelEnvironment;
    this.memoryResource = b.memoryResource;
    this.project = b.project;
    this.logDirectory = b.logDirectory;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String name() {
    return "sge";
  }

  /** The job name for a controller's workers: {@code kapu-<controller>} unless set. */
  public String jobName(String controller) {
    return options.jobName(controller);
  }

  /**
   * The job script for a launch: bash as its shell (Grid Engine runs scripts with the queue's
   * shell, not their {@code #!} line, unless told), the resource directives, your lines, then the
   * worker named by its array task (tasks count from 1).
   */
  String script(LaunchRequest request) {
    List<String> d = new ArrayList<>(List.of("-S /bin/bash"));
    if (queue != null) {
      d.add("-q " + queue);
    }
    if (options.cpus() != null) {
      d.add("-pe " + parallelEnvironment + " " + options.cpus());
    }
    if (options.memory() != null) {
      d.add("-l " + memoryResource + "=" + options.memory());
    }
    if (options.time() != null) {
      d.add("-l h_rt=" + options.seconds());
    }
    if (project != null) {
      d.add("-P " + project);
    }
    return options.script(request, "#$", d, "SGE_TASK_ID - 1");
  }

  /** The qsub command line submitting {@code script} as an array of {@code tasks} tasks. */
  List<String> qsubCommand(String controller, int tasks, Path directory, Path script) {
    Path logs = logDirectory != null ? logDirectory : directory;
    return List.of(options.submit(), "-terse", "-N", jobName(controller), "-t", "1-" + tasks,
        "-wd", directory.toString(), "-o", logs.resolve("sge-$JOB_ID.$TASK_ID.log").toString(), "-j", "y",
        script.toString());
  }

  /** The job id in {@code qsub -terse}'s output (its last line), or empty if there is none. */
  static Optional<String> jobId(String terseOutput) {
    String last = terseOutput.strip().lines().reduce((a, b) -> b).orElse("").strip();
    Matcher m = TERSE_JOB_ID.matcher(last);
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /**
   * The tasks of job {@code jobId} in {@code qstat -g d}'s table (one line per array task: job id,
   * priority, name, owner, state, date, time, [queue,] slots, task id), as {@code <job>.<task>}
   * with their states.
   */
  static Map<String, String> tasks(String qstatOutput, String jobId) {
    Map<String, String> tasks = new LinkedHashMap<>();
    qstatOutput.lines().map(String::strip).forEach(line -> {
      String[] f = line.split("\\s+");
      if (f.length >= 8 && f[0].equals(jobId)) {
        tasks.put(jobId + "." + f[f.length - 1], f[4]);
      }
    });
    return tasks;
  }

  @Override
  public Launch launch(LaunchRequest request) {
    List<String> ids = request.workerIds();
    Path script = request.directory().resolve("sge-" + ids.get(0) + ".sh");
    List<String> argv = qsubCommand(request.controller(), ids.size(), request.directory(), script);
    String jobId = BatchJobs.submit(script, script(request), argv, request.directory(), SgeLauncher::jobId);
    return new SgeLaunch(ids, jobId, logDirectory != null ? logDirectory : request.directory());
  }

  /** One array job; its tasks' names are {@code <job>.<task>}, tasks counting from 1. */
  private final class SgeLaunch extends ArrayJobLaunch {
    private final Path logs;

    SgeLaunch(List<String> ids, String jobId, Path logs) {
      super(ids, jobId);
      this.logs = logs;
    }

    private int taskNumber(String workerId) {
      return index(workerId) + 1;
    }

    @Override
    String task(String workerId) {
      return jobId + "." + taskNumber(workerId);
    }

    @Override
    Map<String, String> poll() {
      BatchJobs.Result r = BatchJobs.run(List.of(options.status(), "-g", "d"), null);
      return r.code() == 0 ? tasks(r.output(), jobId) : null;
    }

    /** Every state but an error (Eqw: the task can never start) may still run or is ending. */
    @Override
    boolean live(String state) {
      return !state.contains("E");
    }

    @Override
    Path log(String task) {
      return logs.resolve("sge-" + task + ".log");
    }

    /** A task in error is removed (it would wait in the queue forever), and the reason told. */
    @Override
    public Optional<String> ended(String workerId) {
      Optional<String> end = super.ended(workerId);
      if (end.isPresent() && state(workerId).filter(s -> s.contains("E")).isPresent()) {
        String reasons = BatchJobs.run(List.of(options.status(), "-j", jobId), null).output().lines()
            .filter(l -> l.startsWith("error reason")).map(l -> "\n" + l.strip().replaceAll("\\s+", " "))
            .collect(Collectors.joining());
        terminate(workerId);
        return Optional.of(end.get() + reasons);
      }
      return end;
    }

    @Override
    public void terminate(String workerId) {
      BatchJobs.run(List.of(options.cancel(), jobId, "-t", Integer.toString(taskNumber(workerId))), null);
    }

    @Override
    public void terminateAll() {
      BatchJobs.run(List.of(options.cancel(), jobId), null);
    }

    @Override
    public String toString() {
      return "Grid Engine job " + jobId;
    }
  }

  /** The shared settings ({@link BatchBuilder}), in Grid Engine's terms, and its own. */
  public static final class Builder extends BatchBuilder<Builder> {
    private String queue;
    private String parallelEnvironment = "smp";
    private String memoryResource = "h_vmem";
    private String project;
    private Path logDirectory;

    private Builder() {
      super("qsub", "qstat", "qdel");
    }

    /** {@code -q}: the queue (or {@code queue@host}) the tasks run in. */
    public Builder queue(String queue) {
      this.queue = queue;
      return this;
    }

    /**
     * The parallel environment {@link #cpus} asks for ({@code -pe <pe> N}, N slots on one host;
     * default {@code smp}: ask your admins for yours).
     */
    public Builder parallelEnvironment(String pe) {
      this.parallelEnvironment = Objects.requireNonNull(pe);
      return this;
    }

    /**
     * The resource {@link #memory} requests: {@code -l <resource>=<memory>}. The default, {@code
     * h_vmem}, caps virtual memory, which a JVM reserves far beyond what it uses: give it 4G or
     * more, or name the resource your site schedules memory by ({@code mem_free}, {@code h_rss},
     * {@code m_mem_free}...).
     */
    public Builder memoryResource(String resource) {
      this.memoryResource = Objects.requireNonNull(resource);
      return this;
    }

    /** {@code -P}: the project the jobs are accounted to. */
    public Builder project(String project) {
      this.project = project;
      return this;
    }

    /** Where the tasks' logs go (default: the controller's directory); it must exist on the hosts. */
    public Builder logDirectory(Path directory) {
      this.logDirectory = directory;
      return this;
    }

    public SgeLauncher build() {
      return new SgeLauncher(this);
    }
  }

  /**
   * {@code sge}: {@code queue}, {@code cpus} ({@code -pe}), {@code pe}, {@code memory} ({@code -l
   * h_vmem=}), {@code memory-resource}, {@code time} ({@code -l h_rt=}; seconds or ISO-8601),
   * {@code job-name}, {@code project}, {@code log-directory}, {@code directives} (more {@code #$}
   * lines) and {@code script} (lines separated by newlines), {@code java}, {@code classpath}.
   */
  public static final class Provider implements LauncherProvider {
    @Override
    public String name() {
      return "sge";
    }

    @Override
    public Launcher create(Map<String, String> settings) {
      Settings s = new Settings("sge", settings);
      Builder b = new Builder().read(s).queue(s.get("queue")).project(s.get("project"));
      Optional.ofNullable(s.get("pe")).ifPresent(b::parallelEnvironment);
      Optional.ofNullable(s.get("memory-resource")).ifPresent(b::memoryResource);
      Optional.ofNullable(s.get("log-directory")).map(Path::of).ifPresent(b::logDirectory);
      s.done();
      return b.build();
    }
  }
}
