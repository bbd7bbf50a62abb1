package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.adbc.core.AdbcConnection;
import org.apache.arrow.adbc.core.AdbcDatabase;
import org.apache.arrow.adbc.core.AdbcDriver;
import org.apache.arrow.adbc.core.AdbcStatement;
import org.apache.arrow.adbc.driver.flightsql.FlightSqlDriver;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code kapu serve --relay}: endpoints name no location; results come through the server's port. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FlightSqlRelayServeTest {

  @Test
  void relayedResultsReachJdbcAdbcAndFlightSqlClients() throws Exception {
    ServeProcess serve = ServeProcess.start("--relay", "--port", "0", "--daemons", "1");
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient server = FlightClient.builder(allocator, new Location(serve.printed.get("flight_url"))).build()) {
      assertThat(serve.printed.get("results")).isEqualTo("relay");
      CredentialCallOption bearer =
          server.authenticateBasicToken(serve.printed.get("user"), serve.printed.get("password")).orElseThrow();
      FlightSqlClient sql = new FlightSqlClient(server);
      FlightEndpoint endpoint = sql.execute("SELECT range FROM range(1000)", bearer).getEndpoints().get(0);
      assertThat(endpoint.getLocations()).isEmpty();
      assertThat(FlightSqlDirectServeTest.sum(sql.getStream(endpoint.getTicket(), bearer))).isEqualTo(1000L * 999L / 2);

      try (Connection c = DriverManager.getConnection(serve.jdbcUrl());
          PreparedStatement p = c.prepareStatement("SELECT count(*) FROM range(CAST(? AS BIGINT))")) {
        p.setLong(1, 300_000);
        try (ResultSet rs = p.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong(1)).isEqualTo(300_000L);
        }
      }

      Map<String, Object> parameters = new HashMap<>();
      AdbcDriver.PARAM_URI.set(parameters, serve.printed.get("flight_url"));
      AdbcDriver.PARAM_USERNAME.set(parameters, serve.printed.get("user"));
      AdbcDriver.PARAM_PASSWORD.set(parameters, serve.printed.get("password"));
      try (AdbcDatabase database = new FlightSqlDriver(allocator).open(parameters);
          AdbcConnection adbc = database.connect();
          AdbcStatement statement = adbc.createStatement()) {
        statement.setSqlQuery("SELECT range FROM range(100000)");
        long rows = 0;
        try (AdbcStatement.QueryResult result = statement.executeQuery()) {
          ArrowReader reader = result.getReader();
          while (reader.loadNextBatch()) {
            rows += reader.getVectorSchemaRoot().getRowCount();
          }
        }
        assertThat(rows).isEqualTo(100_000);
      }
    } finally {
      serve.stop();
    }
  }
}
