package dev.kapu.it;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.kapu.bench.ThrowawayPostgres;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.SessionOptionValueFactory;
import org.apache.arrow.flight.SetSessionOptionsRequest;
import org.apache.arrow.flight.client.ClientCookieMiddleware;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.flight.sql.FlightSqlUtils;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionEndSavepointRequest;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Clients of a {@code kapu serve} process for the transaction tests: the Flight SQL JDBC driver,
 * and {@link FlightSqlClient} (which sends the transaction RPCs), each as a given user.
 */
final class SqlClients {
  private SqlClients() {}

  /** Stops what a test started, each part whatever became of the others (any may be null). */
  static void stop(ServeProcess serve, BufferAllocator allocator, ThrowawayPostgres postgres) throws Exception {
    try {
      if (serve != null) {
        serve.stop();
      }
    } finally {
      if (allocator != null) {
        allocator.close();
      }
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  /** A JDBC connection as {@code user}, on {@code catalog} (null: the user's default). */
  static Connection jdbc(ServeProcess serve, String user, String password, String catalog) throws SQLException {
    String base = serve.jdbcUrl().replaceFirst("&user=[^&]*$", "");
    return DriverManager.getConnection(base + "&user=" + user + "&password=" + password
        + (catalog != null ? "&catalog=" + catalog : ""));
  }

  /** Closes a JDBC connection, tolerating the driver's own bug with a catalog set (see FlightSqlCatalogServeTest). */
  static void close(Connection connection) {
    FlightSqlCatalogServeTest.closeCatalogConnection(connection);
  }

  /** Creates {@code name (id INTEGER PRIMARY KEY, v INTEGER)} with rows (1, 10) and (2, 20), as {@code user}. */
  static void table(ServeProcess serve, String user, String password, String catalog, String name) throws SQLException {
    Connection c = jdbc(serve, user, password, catalog);
    try (Statement s = c.createStatement()) {
      s.executeUpdate("CREATE TABLE " + name + " (id INTEGER PRIMARY KEY, v INTEGER)");
      s.executeUpdate("INSERT INTO " + name + " VALUES (1, 10), (2, 20)");
    } finally {
      close(c);
    }
  }

  /** The first column of every row, as strings (null as null). */
  static List<String> column(Connection connection, String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }

  static long count(Connection connection, String table) throws SQLException {
    return Long.parseLong(column(connection, "SELECT count(*) FROM " + table).get(0));
  }

  /** The Flight status code under an exception, or null. */
  static FlightStatusCode status(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof FlightRuntimeException f) {
        return f.status().code();
      }
    }
    return null;
  }

  /**
   * A {@link FlightSqlClient} logged in as a user, keeping cookies (so that it has a Flight session,
   * which holds its catalog), with its catalog set.
   */
  static final class Flight implements AutoCloseable {
    final FlightClient client;
    final FlightSqlClient sql;
    final CallOption auth;
    private final BufferAllocator allocator;

    Flight(ServeProcess serve, BufferAllocator allocator, String user, String password, String catalog) {
      this.allocator = allocator;
      this.client = FlightClient.builder(allocator, new Location(URI.create(serve.printed.get("flight_url"))))
          .intercept(new ClientCookieMiddleware.Factory()).build();
      this.auth = client.authenticateBasicToken(user, password).orElseThrow();
      this.sql = new FlightSqlClient(client);
      if (catalog != null) {
        sql.setSessionOptions(new SetSessionOptionsRequest(
            Map.of("catalog", SessionOptionValueFactory.makeSessionOptionValue(catalog))), auth);
      }
    }

    /**
     * Rolls back to a savepoint. FlightSqlClient.rollback(Savepoint) (18.3) sends RELEASE instead
     * (its EndSavepoint action says END_SAVEPOINT_RELEASE), so the action goes by hand.
     */
    void rollback(FlightSqlClient.Savepoint savepoint) {
      ActionEndSavepointRequest request = ActionEndSavepointRequest.newBuilder()
          .setSavepointId(ByteString.copyFrom(savepoint.getSavepointId()))
          .setAction(ActionEndSavepointRequest.EndSavepoint.END_SAVEPOINT_ROLLBACK).build();
      client.doAction(new Action(FlightSqlUtils.FLIGHT_SQL_END_SAVEPOINT.getType(), Any.pack(request).toByteArray()),
          auth).forEachRemaining(result -> { });
    }

    /** The first column of every row of a query's result, fetched from where its endpoints say. */
    List<String> column(FlightInfo info) throws Exception {
      List<String> values = new ArrayList<>();
      for (FlightEndpoint endpoint : info.getEndpoints()) {
        FlightClient from = endpoint.getLocations().isEmpty() ? client
            : FlightClient.builder(allocator, endpoint.getLocations().get(0)).build();
        try (FlightStream stream = from == client ? client.getStream(endpoint.getTicket(), auth)
            : from.getStream(endpoint.getTicket())) {
          while (stream.next()) {
            VectorSchemaRoot root = stream.getRoot();
            FieldVector first = root.getVector(0);
            for (int r = 0; r < root.getRowCount(); r++) {
              Object value = first.getObject(r);
              values.add(value == null ? null : value.toString());
            }
          }
        } finally {
          if (from != client) {
            from.close();
          }
        }
      }
      return values;
    }

    @Override
    public void close() throws Exception {
      sql.close();
    }
  }
}
