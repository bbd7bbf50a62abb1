package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.flight.Hosts;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code kapu serve --host 0.0.0.0}, for analysts on other machines: the URLs it prints and the
 * result endpoints it hands out name this machine's network address, never 0.0.0.0, a loopback
 * address or a host name that may resolve to one, and the daemons serve results on that address.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServeOnEveryInterfaceTest {

  @Test
  void urlsAndResultEndpointsNameTheMachinesNetworkAddress() throws Exception {
    String address = Hosts.machineAddress();
    assertThat(Hosts.isLoopback(address))
        .as("this test needs a network interface besides loopback (found only %s)", address).isFalse();
    ServeProcess serve = ServeProcess.start("--host", "0.0.0.0", "--port", "0", "--daemons", "2");
    try {
      URI flightUrl = URI.create(serve.printed.get("flight_url"));
      assertThat(flightUrl.getHost()).isEqualTo(address);
      assertThat(serve.jdbcUrl()).startsWith("jdbc:arrow-flight-sql://" + address + ":" + flightUrl.getPort() + "/");

      // The JDBC driver, given the printed URL, fetches from the daemons at the endpoints' locations.
      try (Connection c = DriverManager.getConnection(serve.jdbcUrl()); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT sum(range) FROM range(1000)")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(499_500L);
      }

      try (BufferAllocator allocator = new RootAllocator();
          FlightClient server = FlightClient.builder(allocator, new Location(flightUrl)).build()) {
        CredentialCallOption bearer = server.authenticateBasicToken(serve.printed.get("user"),
            serve.printed.get("password")).orElseThrow();
        FlightSqlClient sql = new FlightSqlClient(server);
        FlightInfo info = sql.execute("SELECT range FROM range(10)", bearer);
        FlightEndpoint endpoint = info.getEndpoints().get(0);
        assertThat(endpoint.getLocations().get(0).getUri().getHost()).isEqualTo(address);
        try (FlightClient daemon = FlightClient.builder(allocator, endpoint.getLocations().get(0)).build();
            FlightStream stream = daemon.getStream(endpoint.getTicket())) {
          long sum = 0;
          while (stream.next()) {
            BigIntVector range = (BigIntVector) stream.getRoot().getVector(0);
            for (int row = 0; row < stream.getRoot().getRowCount(); row++) {
              sum += range.get(row);
            }
          }
          assertThat(sum).isEqualTo(45);
        }
      }
    } finally {
      serve.stop();
    }
  }
}
