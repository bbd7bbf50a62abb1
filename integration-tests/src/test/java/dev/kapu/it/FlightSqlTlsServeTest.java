package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code kapu serve --tls}: the printed JDBC URL trusts the printed self-signed certificate, and
 * results are relayed through the TLS port.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FlightSqlTlsServeTest {

  @Test
  void jdbcOverTlsWithThePrintedUrl() throws Exception {
    ServeProcess serve = ServeProcess.start("--tls", "--port", "0", "--daemons", "1", "--password", "s3cret");
    try {
      assertThat(serve.printed.get("flight_url")).startsWith("grpc+tls://127.0.0.1:");
      assertThat(serve.printed.get("results")).as("daemons' own endpoints are plaintext").isEqualTo("relay");
      assertThat(serve.jdbcUrl()).contains("useEncryption=true", "tlsRootCerts=", "password=s3cret");
      try (Connection c = DriverManager.getConnection(serve.jdbcUrl());
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT 6 * 7 AS answer")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt("answer")).isEqualTo(42);
      }
      // plaintext against the TLS port: refused, and the server keeps serving
      String plain = serve.jdbcUrl().replace("useEncryption=true", "useEncryption=false");
      assertThatThrownBy(() -> {
        try (Connection c = DriverManager.getConnection(plain); Statement s = c.createStatement()) {
          s.executeQuery("SELECT 1").close();
        }
      }).isInstanceOf(SQLException.class);
      try (Connection c = DriverManager.getConnection(serve.jdbcUrl());
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT 1")) {
        assertThat(rs.next()).isTrue();
      }
    } finally {
      serve.stop();
    }
  }
}
