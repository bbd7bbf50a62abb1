package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.Calendar;
import java.util.TimeZone;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The official Flight SQL JDBC driver's own bugs (18.3.0) that Kapu cannot fix, each with the
 * workaround the README gives: proof that the bug is there (when a release fixes one, its test
 * fails, and the README's list should lose it) and that the workaround works.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FlightSqlDriverBugsServeTest {
  private static ServeProcess serve;
  private static Connection connection;

  @BeforeAll
  static void start() throws Exception {
    serve = ServeProcess.start("--port", "0", "--daemons", "1");
    connection = DriverManager.getConnection(serve.jdbcUrl());
  }

  @AfterAll
  static void stop() throws Exception {
    if (connection != null) {
      connection.close();
    }
    if (serve != null) {
      serve.stop();
    }
  }

  @Test
  void unsignedIntegersReadThroughGetObjectComeBackNegative() throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT CAST(200 AS UTINYINT) AS u8, CAST(4000000000 AS UINTEGER) AS u32,"
            + " CAST(18446744073709551615 AS UBIGINT) AS u64")) {
      assertThat(rs.next()).isTrue();
      assertThat(((Number) rs.getObject("u8")).longValue()).isNegative();
      assertThat(((Number) rs.getObject("u32")).longValue()).isNegative();
      assertThat(((Number) rs.getObject("u64")).longValue()).isNegative();
    }
    // workaround: cast to a wider signed type in the SQL
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT CAST(CAST(200 AS UTINYINT) AS SMALLINT) AS u8,"
            + " CAST(CAST(4000000000 AS UINTEGER) AS BIGINT) AS u32,"
            + " CAST(CAST(18446744073709551615 AS UBIGINT) AS DECIMAL(20, 0)) AS u64")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getObject("u8")).isEqualTo((short) 200);
      assertThat(rs.getObject("u32")).isEqualTo(4_000_000_000L);
      assertThat(rs.getObject("u64")).isEqualTo(new BigDecimal("18446744073709551615"));
    }
  }

  @Test
  void getObjectOnATimestampWithTimeZoneThrows() throws SQLException {
    String sql = "SELECT CAST('2024-05-01 10:00:00+00' AS TIMESTAMP WITH TIME ZONE) AS tz";
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      // by index, Avatica's getObject knows no TIMESTAMP_WITH_TIMEZONE
      assertThatThrownBy(() -> rs.getObject(1)).isInstanceOf(RuntimeException.class).hasMessage("not implemented");
      // workarounds: ask for a type, or a Timestamp in UTC
      Instant instant = Instant.parse("2024-05-01T10:00:00Z");
      assertThat(rs.getObject(1, OffsetDateTime.class).toInstant()).isEqualTo(instant);
      assertThat(rs.getTimestamp(1, Calendar.getInstance(TimeZone.getTimeZone("UTC"))).toInstant()).isEqualTo(instant);
    }
  }

  @Test
  void executeBatchOnAStatementThrowsNullPointerException() throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.executeUpdate("CREATE TABLE batched (n INTEGER)");
      s.addBatch("INSERT INTO batched VALUES (1)");
      s.addBatch("INSERT INTO batched VALUES (2)");
      assertThatThrownBy(s::executeBatch).isInstanceOf(NullPointerException.class); // the driver has no batch of statements
    }
    // workaround: a prepared statement's batch, sent as one DoPut of every row; the driver reports
    // the rows changed in total, in one count
    try (PreparedStatement p = connection.prepareStatement("INSERT INTO batched VALUES (?)")) {
      for (int n = 1; n <= 3; n++) {
        p.setInt(1, n);
        p.addBatch();
      }
      assertThat(p.executeBatch()).containsExactly(3);
    }
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT sum(n) FROM batched")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong(1)).isEqualTo(6);
    }
  }

  @Test
  void setObjectWithJavaTimeValuesFailsInTheDriversBinder() throws SQLException {
    try (PreparedStatement p = connection.prepareStatement("SELECT CAST(? AS DATE) = CAST('2024-05-01' AS DATE)")) {
      p.setObject(1, LocalDate.of(2024, 5, 1));
      assertThatThrownBy(p::executeQuery).hasStackTraceContaining("not yet supported");
      // workaround: setDate
      p.setDate(1, java.sql.Date.valueOf("2024-05-01"));
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean(1)).isTrue();
      }
    }
  }
}
