package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.bench.ThrowawayPostgres;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Calendar;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.adbc.core.AdbcConnection;
import org.apache.arrow.adbc.core.AdbcDatabase;
import org.apache.arrow.adbc.core.AdbcDriver;
import org.apache.arrow.adbc.core.AdbcStatement;
import org.apache.arrow.adbc.driver.flightsql.FlightSqlDriver;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parameters through the official Flight SQL JDBC driver (18.3) and the ADBC Flight SQL driver,
 * on {@code kapu serve} hosting DuckDB and, in another run, PostgreSQL: dates, times, timestamps
 * with and without a time zone and with and without a Calendar, decimals, binary and NULL bind to
 * what the SQL means, and a parameter the database cannot type ({@code SELECT ? * 2}) takes a
 * number.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FlightSqlParametersServeTest {
  private static final Calendar UTC = Calendar.getInstance(TimeZone.getTimeZone("UTC"));
  private static final Calendar TOKYO = Calendar.getInstance(TimeZone.getTimeZone("Asia/Tokyo"));
  /** 10:00 UTC, 19:00 in Tokyo. */
  private static final Timestamp TEN_UTC = Timestamp.from(Instant.parse("2024-05-01T10:00:00Z"));

  @TempDir static Path dir;
  static ThrowawayPostgres postgres;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = ThrowawayPostgres.start();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
  }

  /** {@code kapu serve} with one catalog, a DuckDB or the PostgreSQL database. */
  private static ServeProcess serve(String database) throws Exception {
    Path config = dir.resolve(database + ".yaml");
    Files.writeString(config, "resources:\n" + (database.equals("duckdb")
        ? "  duckdb: { kind: duckdb, placement: pinned }\n"
        : postgres.kapuResource("pg")));
    return ServeProcess.start("--config", config.toString(), "--port", "0", "--daemons", "1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"duckdb", "postgres"})
  void parametersBindAsTheSqlMeans(String database) throws Exception {
    ServeProcess serve = serve(database);
    try (Connection c = DriverManager.getConnection(serve.jdbcUrl())) {
      try (Statement s = c.createStatement()) {
        s.executeUpdate("CREATE TABLE typed (i INTEGER, d DATE, t TIME, ts TIMESTAMP, tz TIMESTAMP WITH TIME ZONE,"
            + " n DECIMAL(10, 2), b " + (database.equals("duckdb") ? "BLOB" : "BYTEA") + ", s VARCHAR)");
      }
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO typed VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        insert.setInt(1, 1);
        insert.setDate(2, Date.valueOf("2024-05-01"));
        insert.setTime(3, Time.valueOf("13:45:07"));
        insert.setTimestamp(4, Timestamp.valueOf("2024-05-01 13:45:00.123")); // the wall-clock time, as written
        insert.setTimestamp(5, TEN_UTC, UTC); // the instant
        insert.setBigDecimal(6, new BigDecimal("12.5")); // any scale
        insert.setBytes(7, new byte[] {1, 2, 3});
        insert.setNull(8, Types.VARCHAR);
        assertThat(insert.executeUpdate()).isEqualTo(1);

        insert.setInt(1, 2);
        insert.setNull(2, Types.DATE);
        insert.setNull(3, Types.TIME);
        insert.setTimestamp(4, TEN_UTC, TOKYO); // the wall-clock time in Tokyo
        insert.setNull(5, Types.TIMESTAMP_WITH_TIMEZONE);
        insert.setNull(6, Types.DECIMAL);
        insert.setNull(7, Types.BINARY);
        insert.setString(8, "tokyo");
        assertThat(insert.executeUpdate()).isEqualTo(1);
      }
      // what the database holds, said in literals
      assertThat(count(c, "SELECT count(*) FROM typed WHERE i = 1 AND d = CAST('2024-05-01' AS DATE)"
          + " AND t = CAST('13:45:07' AS TIME) AND ts = CAST('2024-05-01 13:45:00.123' AS TIMESTAMP)"
          + " AND tz = CAST('2024-05-01 10:00:00+00' AS TIMESTAMP WITH TIME ZONE) AND n = 12.5"
          + " AND octet_length(b) = 3 AND s IS NULL")).isEqualTo(1);
      assertThat(count(c, "SELECT count(*) FROM typed WHERE i = 2 AND d IS NULL AND t IS NULL AND tz IS NULL"
          + " AND n IS NULL AND b IS NULL AND s = 'tokyo' AND ts = CAST('2024-05-01 19:00:00' AS TIMESTAMP)"))
          .isEqualTo(1);

      // and the same values find the row again
      try (PreparedStatement query = c.prepareStatement("SELECT i FROM typed WHERE d = ? AND t = ? AND ts = ?"
          + " AND tz = ? AND n = ? AND b = ?")) {
        query.setDate(1, Date.valueOf("2024-05-01"));
        query.setTime(2, Time.valueOf("13:45:07"));
        query.setTimestamp(3, Timestamp.valueOf("2024-05-01 13:45:00.123"));
        query.setTimestamp(4, TEN_UTC, UTC);
        query.setBigDecimal(5, new BigDecimal("12.50"));
        query.setBytes(6, new byte[] {1, 2, 3});
        assertThat(ints(query)).containsExactly(1);
      }
      try (PreparedStatement query = c.prepareStatement("SELECT i FROM typed WHERE ts = ?")) {
        query.setTimestamp(1, TEN_UTC, TOKYO);
        assertThat(ints(query)).containsExactly(2);
      }
      try (PreparedStatement query = c.prepareStatement("SELECT count(*) FROM typed WHERE s IS NOT DISTINCT FROM ?")) {
        query.setNull(1, Types.VARCHAR);
        assertThat(ints(query)).containsExactly(1);
      }

      // a parameter the database could not type takes a number; PostgreSQL types this one itself
      try (PreparedStatement twice = c.prepareStatement("SELECT ? * 2")) {
        twice.setInt(1, 21);
        try (ResultSet rs = twice.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getInt(1)).isEqualTo(42);
        }
        if (database.equals("duckdb")) {
          twice.setDouble(1, 1.25); // not truncated
          try (ResultSet rs = twice.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getDouble(1)).isEqualTo(2.5);
          }
        }
      }
      if (database.equals("duckdb")) {
        // where only integers go, a bigint; a decimal wider than a double holds exactly, exact
        try (PreparedStatement range = c.prepareStatement("SELECT count(*) FROM range(?)")) {
          range.setLong(1, 5);
          assertThat(ints(range)).containsExactly(5);
        }
        try (PreparedStatement wide = c.prepareStatement(
            "SELECT CAST(? AS DECIMAL(18, 3)) = CAST('123456789012345.678' AS DECIMAL(18, 3))")) {
          wide.setBigDecimal(1, new BigDecimal("123456789012345.678"));
          try (ResultSet rs = wide.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBoolean(1)).isTrue();
          }
        }
      }
      adbcBindsADate32(serve);
    } finally {
      serve.stop();
    }
  }

  /** The ADBC driver sends the types it is given, here a Date32 (days): they bind as a date. */
  private static void adbcBindsADate32(ServeProcess serve) throws Exception {
    Map<String, Object> parameters = new HashMap<>();
    AdbcDriver.PARAM_URI.set(parameters, serve.printed.get("flight_url"));
    AdbcDriver.PARAM_USERNAME.set(parameters, serve.printed.get("user"));
    AdbcDriver.PARAM_PASSWORD.set(parameters, serve.printed.get("password"));
    parameters.put("adbc.flight.sql.rpc.with_cookie_middleware", true); // its DoPut of parameters forgets the bearer
    Schema schema = new Schema(List.of(Field.nullable("d", new ArrowType.Date(DateUnit.DAY))));
    try (BufferAllocator allocator = new RootAllocator();
        AdbcDatabase database = new FlightSqlDriver(allocator).open(parameters);
        AdbcConnection adbc = database.connect();
        AdbcStatement statement = adbc.createStatement();
        VectorSchemaRoot bound = VectorSchemaRoot.create(schema, allocator)) {
      ((DateDayVector) bound.getVector(0)).setSafe(0, (int) LocalDate.parse("2024-05-01").toEpochDay());
      bound.setRowCount(1);
      statement.setSqlQuery("SELECT i FROM typed WHERE d = ?");
      statement.prepare();
      statement.bind(bound);
      List<Object> found = new java.util.ArrayList<>();
      try (AdbcStatement.QueryResult result = statement.executeQuery()) {
        ArrowReader reader = result.getReader();
        while (reader.loadNextBatch()) {
          for (int r = 0; r < reader.getVectorSchemaRoot().getRowCount(); r++) {
            found.add(((Number) reader.getVectorSchemaRoot().getVector(0).getObject(r)).intValue());
          }
        }
      }
      assertThat(found).containsExactly(1);
    }
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getLong(1);
    }
  }

  private static List<Integer> ints(PreparedStatement query) throws SQLException {
    List<Integer> values = new java.util.ArrayList<>();
    try (ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        values.add(rs.getInt(1));
      }
    }
    return values;
  }
}
