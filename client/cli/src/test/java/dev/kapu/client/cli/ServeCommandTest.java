package dev.kapu.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kapu serve}'s refusals of a bad command line: exit code 2 and why, before it starts a daemon or a port. */
class ServeCommandTest {

  @Test
  void aControllerLaunchesDaemonsItself() {
    assertThat(CliRun.of("serve", "--controller", "local", "--daemons", "2"))
        .isEqualTo(new CliRun(2, "kapu serve: --daemons and --controller exclude each other (see --max-workers)\n"));
  }

  @Test
  void aControllersDaemonsNeedADatabaseTheyShare() {
    CliRun run = CliRun.of("serve", "--controller", "local");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("kapu serve: --controller needs --duckdb FILE or --config kapu.yaml");
  }

  @Test
  void livenessOfLessThanASecondIsRefused() {
    assertThat(CliRun.of("serve", "--liveness-seconds", "0.5"))
        .isEqualTo(new CliRun(2, "kapu serve: --liveness-seconds must be at least 1\n"));
  }

  @Test
  void transactionLimitsMustBePositive() {
    assertThat(CliRun.of("serve", "--transaction-idle-seconds", "0"))
        .isEqualTo(new CliRun(2, "kapu serve: a transaction's idle timeout and result limit must be positive\n"));
  }

  @Test
  void oneUserOnTheCommandLineExcludesAConfigsUsers(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  warehouse: { kind: duckdb }",
        "users:",
        "  analyst: { password: \"${ANALYST_PASSWORD}\", access: { warehouse: read-only } }",
        ""));
    assertThat(CliRun.of("serve", "--config", config.toString(), "--user", "bob"))
        .isEqualTo(new CliRun(2, "kapu serve: --user and --password exclude a config with users: (" + config
            + "); add the user there\n"));
  }

  @Test
  void aConfigThatCannotBeReadIsRefusedWithWhy(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("missing.yaml");
    CliRun run = CliRun.of("serve", "--config", missing.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("kapu serve: cannot read " + missing).doesNotContain("Exception");

    Path broken = dir.resolve("kapu.yaml");
    Files.writeString(broken, "resources:\n  warehouse: { kind: duckdb, placement: everywhere }\n");
    run = CliRun.of("serve", "--config", broken.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("kapu serve: ").contains("placement must be replicated or pinned").doesNotContain("\tat ");
  }

  @Test
  void aBadControllerSectionIsRefusedBeforeAnythingStarts(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  warehouse: { kind: duckdb }",
        "controller:",
        "  launcher: slurm",
        "  settings: { partition: debug, cpu: 2 }",
        ""));
    assertThat(CliRun.of("serve", "--config", config.toString())).isEqualTo(new CliRun(2,
        "kapu serve: " + config + " controller: slurm launcher: unknown setting(s) [cpu]\n"));

    Files.writeString(config, "resources: { warehouse: { kind: duckdb } }\ncontroller: { launcher: nope }\n");
    CliRun run = CliRun.of("serve", "--config", config.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.stderr()).startsWith("kapu serve: " + config + " controller: no launcher named 'nope'; known: [");
  }

  @Test
  void aControllerSectionExcludesDaemons(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, "resources: { warehouse: { kind: duckdb } }\ncontroller: { launcher: local }\n");
    assertThat(CliRun.of("serve", "--config", config.toString(), "--daemons", "2")).isEqualTo(new CliRun(2,
        "kapu serve: --daemons and the controller: section of " + config + " exclude each other (see its maxWorkers)\n"));
  }
}
