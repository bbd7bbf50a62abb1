package dev.kapu.it;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@code kapu serve --controller sge} configured only from a kapu.yaml, on the one-node Grid
 * Engine ({@code .ci/setup-sge.sh}); see {@link ServeOnSchedulerScenario}.
 */
class SgeServeTest extends ServeOnSchedulerScenario {

  @BeforeAll
  static void requireAGridEngine() throws Exception {
    SgeTest.requireAGridEngine();
  }

  @Override
  String launcher() {
    return "sge";
  }

  @Override
  List<String> settings(String job) {
    return List.of("queue: all.q", "cpus: 1", "memory: 6G", "time: 600", "job-name: " + job,
        "script: [\"export KAPU_FROM_SCRIPT=yes\"]");
  }

  @Override
  List<String> queued(String job) {
    return SgeTest.queued(job);
  }

  @Override
  String running() {
    return " r";
  }

  @Override
  List<String> inTheScript() {
    return List.of("#$ -S /bin/bash", "#$ -q all.q", "#$ -pe smp 1", "#$ -l h_vmem=6G", "#$ -l h_rt=600",
        "export KAPU_FROM_SCRIPT=yes");
  }
}
