package dev.kapu.client.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Grid Engine launcher's pure parts: its job script, its qsub line, and reading qsub and qstat. */
class SgeLauncherTest {
  private static final WorkerCommand COMMAND = new WorkerCommand("/usr/bin/java", List.of("-Xmx1g"), "/opt/kapu/*",
      URI.create("grpc://10.0.0.1:4000"), Path.of("/shared/kapu/token"), null, 4, Duration.ofSeconds(60),
      Duration.ZERO, 0, List.of(), null);
  private static final LaunchRequest REQUEST = new LaunchRequest("fits", List.of("fits-1", "fits-2"), COMMAND,
      Path.of("/shared/kapu"));

  @Test
  void theScriptCarriesEverySettingThenStartsTheWorkerItsTaskNames() {
    SgeLauncher sge = (SgeLauncher) Launchers.create("sge", Map.of("queue", "long.q", "cpus", "4", "memory", "8G",
        "time", "PT2H", "project", "genomics", "directives", "-l gpu=1\n-l hostname=node7",
        "script", "module load java/17\nexport A=1", "java", "/opt/jdk/bin/java"));
    String script = sge.script(REQUEST);
    assertThat(script.lines()).containsExactly(
        "#!/bin/bash",
        "# Written by Kapu for controller fits",
        "#$ -S /bin/bash",
        "#$ -q long.q",
        "#$ -pe smp 4",
        "#$ -l h_vmem=8G",
        "#$ -l h_rt=7200",
        "#$ -P genomics",
        "#$ -l gpu=1",
        "#$ -l hostname=node7",
        "module load java/17",
        "export A=1",
        "KAPU_IDS=(fits-1 fits-2)",
        "exec /opt/jdk/bin/java " + String.join(" ", WorkerCommand.JVM_FLAGS.stream().map(Shell::quote).toList())
            + " -Xmx1g -cp '/opt/kapu/*' dev.kapu.daemon.DaemonCommand --url grpc://10.0.0.1:4000"
            + " --token-file /shared/kapu/token --id \"${KAPU_IDS[SGE_TASK_ID - 1]}\" --slots 4"
            + " --idle-seconds 60.0 --wall-seconds 0.0 --max-tasks 0");
  }

  @Test
  void theParallelEnvironmentAndMemoryResourceAreSettings() {
    SgeLauncher sge = (SgeLauncher) Launchers.create("sge", Map.of("cpus", "2", "pe", "threaded",
        "memory", "3G", "memory-resource", "mem_free", "time", "90"));
    assertThat(sge.script(REQUEST)).contains("#$ -pe threaded 2\n", "#$ -l mem_free=3G\n", "#$ -l h_rt=90\n")
        .doesNotContain("-q ", "-P ", "h_vmem");
    assertThat(SgeLauncher.builder().time(Duration.ofMillis(1500)).build().script(REQUEST)).contains("#$ -l h_rt=2\n");
  }

  @Test
  void qsubSubmitsOneArrayWithItsLogsInTheDirectory() {
    SgeLauncher plain = SgeLauncher.builder().build();
    assertThat(plain.qsubCommand("fits", 3, Path.of("/shared/kapu"), Path.of("/shared/kapu/sge-fits-1.sh")))
        .containsExactly("qsub", "-terse", "-N", "kapu-fits", "-t", "1-3", "-wd", "/shared/kapu",
            "-o", "/shared/kapu/sge-$JOB_ID.$TASK_ID.log", "-j", "y", "/shared/kapu/sge-fits-1.sh");
    SgeLauncher named = SgeLauncher.builder().jobName("mine").logDirectory(Path.of("/scratch/logs"))
        .commands("/opt/sge/bin/qsub", "qstat", "qdel").build();
    assertThat(named.qsubCommand("fits", 1, Path.of("/shared/kapu"), Path.of("/shared/kapu/s.sh")))
        .containsSubsequence("/opt/sge/bin/qsub", "-N", "mine", "-t", "1-1", "-o", "/scratch/logs/sge-$JOB_ID.$TASK_ID.log");
  }

  @Test
  void theJobIdIsReadFromQsubsTerseAnswer() {
    assertThat(SgeLauncher.jobId("4711.1-2:1\n")).contains("4711");
    assertThat(SgeLauncher.jobId("4711\n")).contains("4711");
    assertThat(SgeLauncher.jobId("warning: no suitable queues\n12.1-8:1\n")).contains("12");
    assertThat(SgeLauncher.jobId("Your job-array 12.1-2:1 (\"x\") has been submitted")).isEmpty();
    assertThat(SgeLauncher.jobId("")).isEmpty();
  }

  @Test
  void qstatsTableGivesEachTaskOfTheJobItsState() {
    String qstat = """
        job-ID  prior   name       user         state submit/start at     queue                          slots ja-task-ID
        -----------------------------------------------------------------------------------------------------------------
              3 0.50000 kapu-fits  root         r     12/05/2026 00:53:21 all.q@vm                           1 1
              3 0.50000 kapu-fits  root         dr    12/05/2026 00:53:21 all.q@vm                           1 2
              2 0.00000 kapu-other root         hqw   12/05/2026 00:53:21                                    1 1
              3 0.00000 kapu-fits  root         Eqw   12/05/2026 00:53:21                                    4 3
             33 0.00000 kapu-fits  root         qw    12/05/2026 00:53:21                                    1 1
        """;
    assertThat(SgeLauncher.tasks(qstat, "3")).containsExactly(Map.entry("3.1", "r"), Map.entry("3.2", "dr"),
        Map.entry("3.3", "Eqw"));
    assertThat(SgeLauncher.tasks(qstat, "4")).isEmpty();
    assertThat(SgeLauncher.tasks("", "3")).isEmpty();
  }

  @Test
  void unknownSettingsAndWordsForNumbersAreRefused() {
    assertThatThrownBy(() -> Launchers.create("sge", Map.of("queeu", "all.q")))
        .hasMessage("sge launcher: unknown setting(s) [queeu]");
    assertThatThrownBy(() -> Launchers.create("sge", Map.of("cpus", "four")))
        .hasMessage("sge launcher: cpus must be a whole number, not 'four'");
  }
}
