package dev.kapu.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.Endpoint;
import dev.kapu.flight.sql.KapuFlightSqlProducer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lines {@code kapu serve} prints once it serves, which scripts and tests read. */
class ServeBannerTest {

  private static final Endpoint PLAINTEXT = Endpoint.of("grpc://127.0.0.1:31337", "token");

  @Test
  void oneUserGetsAJdbcUrlWithItsPassword() throws Exception {
    ServedServer server = new ServedServer(() -> {}, PLAINTEXT, "2 daemon(s)", KapuFlightSqlProducer.Delivery.DIRECT, null);
    ServeAccess access = ServeAccess.of(null, "ann", "p&w");
    assertThat(ServeBanner.lines(List.of("duckdb"), server, false, access)).containsExactly(
        "kapu serve: [duckdb] on 2 daemon(s); Ctrl-C to stop",
        "kapu serve: clients fetch results from the daemons' own endpoints (plaintext; --relay to send them"
            + " through this port)",
        "results=direct",
        "flight_url=grpc://127.0.0.1:31337",
        "jdbc_url=jdbc:arrow-flight-sql://127.0.0.1:31337/?useEncryption=false&user=ann&password=p%26w",
        "  " + ServeBanner.JDBC_JVM_HINT,
        "user=ann",
        "password=p&w",
        "ready");
  }

  @Test
  void aConfigsUsersAreListedWithWhereTheirPasswordsComeFrom(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("kapu.yaml");
    Files.writeString(config, String.join("\n",
        "resources:",
        "  warehouse: { kind: duckdb }",
        "users:",
        "  analyst: { password: \"${PATH}\", access: { warehouse: read-only } }",
        "  loader: { password: secret, access: { warehouse: read-write } }",
        ""));
    ServedServer server = new ServedServer(() -> {}, PLAINTEXT, "2 daemon(s)", KapuFlightSqlProducer.Delivery.RELAY, null);
    ServeAccess access = ServeAccess.of(config, null, null);
    assertThat(access.warnings()).containsExactly("kapu serve: warning: user 'loader' has its password written in "
        + config + "; name an environment variable instead (password: \"${SOME_VARIABLE}\")");
    assertThat(ServeBanner.lines(List.of("warehouse"), server, true, access)).containsSubsequence(
        "kapu serve: results are relayed through this port",
        "results=relay",
        "jdbc_url=jdbc:arrow-flight-sql://127.0.0.1:31337/?useEncryption=false&user=analyst",
        "  (add &password=... with user analyst's password; other users: change &user)",
        "users:",
        "  analyst: warehouse read-only (password from ${PATH})",
        "  loader: warehouse read-write (password written in " + config + ")",
        "ready");
  }
}
