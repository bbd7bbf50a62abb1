package dev.kapu.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@code kapu query}'s refusals of a bad command line: exit code 2 and one line saying why, before
 * it connects anywhere or starts a daemon (the URL's port 1 has no server; nothing dials it).
 * Under surefire stdout is a pipe, not a terminal, which the format defaults depend on.
 */
class QueryCommandTest {
  private static final String URL = "grpc://127.0.0.1:1";

  @Test
  void localDaemonOptionsExcludeAServer() {
    assertThat(CliRun.of("query", "--url", URL, "--duckdb", "x.duckdb", "SELECT 1"))
        .isEqualTo(new CliRun(2, "kapu query: --duckdb and --config start local daemons: not with --url\n"));
    assertThat(CliRun.of("query", "--url", URL, "--config", "kapu.yaml", "SELECT 1"))
        .isEqualTo(new CliRun(2, "kapu query: --duckdb and --config start local daemons: not with --url\n"));
  }

  @Test
  void severalStatementsAndTransactionsNeedAServer() {
    assertThat(CliRun.of("query", "--transaction", "SELECT 1"))
        .isEqualTo(new CliRun(2, "kapu query: --transaction need(s) --url (a Flight SQL server)\n"));
    assertThat(CliRun.of("query", "SELECT 1", "SELECT 2"))
        .isEqualTo(new CliRun(2, "kapu query: several statements need(s) --url (a Flight SQL server)\n"));
  }

  @Test
  void severalStatementsWriteTextToStdoutOnly() {
    assertThat(CliRun.of("query", "--url", URL, "-o", "out.csv", "SELECT 1", "SELECT 2"))
        .isEqualTo(new CliRun(2, "kapu query: several statements write their results one after the other, as text:"
            + " not with --output or --format csv\n"));
    assertThat(CliRun.of("query", "--url", URL, "--format", "parquet", "SELECT 1", "SELECT 2"))
        .isEqualTo(new CliRun(2, "kapu query: several statements write their results one after the other, as text:"
            + " not with --output or --format parquet\n"));
  }

  @Test
  void picocliNamesWhatItCannotParse() {
    CliRun format = CliRun.of("query", "--format", "xml", "SELECT 1");
    assertThat(format.exit()).isEqualTo(2);
    assertThat(format.stderr()).startsWith("Invalid value for option '--format': expected one of"
        + " [table, csv, json, arrow, parquet] (case-sensitive) but was 'xml'");

    CliRun noSql = CliRun.of("query", "--url", URL);
    assertThat(noSql.exit()).isEqualTo(2);
    assertThat(noSql.stderr()).startsWith("Missing required parameter: 'SQL'");
  }
}
