package dev.kapu.flight.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.AccessRight;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.KapuServer;
import dev.kapu.flight.StatementFailure;
import dev.kapu.serial.ErrorCategory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Flight SQL producer behind KapuServer's basic/bearer auth, over a fake backend: ann may do
 * everything, rob may only read catalog db and does not see catalog hidden.
 */
class KapuFlightSqlProducerTest {
  private static final Schema NUMBERS = new Schema(List.of(Field.nullable("n", new ArrowType.Int(64, true))));

  private final BufferAllocator allocator = new RootAllocator();
  private final Map<String, List<Object>> updates = new ConcurrentHashMap<>();
  private final Map<String, Boolean> readOnlyQueries = new ConcurrentHashMap<>();
  private final Map<String, SqlBackend.Statement> parked = new ConcurrentHashMap<>();
  private KapuServer server;
  private FlightClient flight;
  private FlightSqlClient sql;
  private CredentialCallOption bearer;
  private CredentialCallOption rob;

  /**
   * "SELECT n" streams 0..n-1 in batches of 10; "BAD" fails like a database; "INSERT" is refused
   * to a read-only caller as a daemon's resource would; the rest are updates.
   */
  private final SqlBackend backend = new SqlBackend() {
    @Override
    public List<String> catalogs() {
      return List.of("db", "hidden");
    }

    @Override
    public List<String> sqlCatalogs() {
      return List.of();
    }

    @Override
    public Description describe(Statement statement) throws Exception {
      String text = statement.sql();
      if (text.startsWith("BAD")) {
        throw new StatementFailure(ErrorCategory.INVALID_STATEMENT, "Parser Error: syntax error at or near \"BAD\"",
            new SQLException("Parser Error: syntax error at or near \"BAD\""));
      }
      if (text.startsWith("BUG")) {
        throw new IllegalStateException("the backend's own fault");
      }
      if (statement.readOnly() && text.startsWith("INSERT")) {
        throw new SecurityException("DuckDB runs one SELECT statement");
      }
      return new Description(text.startsWith("SELECT") ? NUMBERS : null, new Schema(List.of()));
    }

    /** The statement waits under its ticket until fetched, as a daemon's result does. */
    @Override
    public Parked park(Statement statement, Schema result) {
      byte[] ticket = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
      parked.put(new String(ticket, StandardCharsets.UTF_8), statement);
      return new Parked("grpc://127.0.0.1:1", ticket);
    }

    @Override
    public ArrowReader fetch(Parked ticket) throws Exception {
      Statement statement = parked.remove(new String(ticket.ticket(), StandardCharsets.UTF_8));
      return query(statement.catalog(), statement.sql(), statement.parameters(), statement.readOnly());
    }

    @Override
    public boolean cancel(Parked ticket) {
      return parked.remove(new String(ticket.ticket(), StandardCharsets.UTF_8)) != null;
    }

    @Override
    public ArrowReader query(String catalog, String text, List<Object> parameters, boolean readOnly)
        throws Exception {
      readOnlyQueries.put(text, readOnly);
      int n = Integer.parseInt(text.substring("SELECT ".length()).trim());
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (VectorSchemaRoot root = VectorSchemaRoot.create(NUMBERS, allocator);
          ArrowStreamWriter writer = new ArrowStreamWriter(root, null, bytes)) {
        writer.start();
        BigIntVector v = (BigIntVector) root.getVector(0);
        for (int start = 0; start < n; start += 10) {
          int rows = Math.min(10, n - start);
          v.allocateNew(rows);
          for (int i = 0; i < rows; i++) {
            v.set(i, start + i);
          }
          root.setRowCount(rows);
          writer.writeBatch();
        }
        writer.end();
      }
      return new ArrowStreamReader(new ByteArrayInputStream(bytes.toByteArray()), allocator);
    }

    @Override
    public long update(String catalog, String text, List<Object> parameters) {
      updates.put(text, parameters);
      return 7;
    }
  };

  @BeforeEach
  void start() {
    server = KapuServer.builder()
        .port(0)
        .producer(new KapuFlightSqlProducer(backend,
            AccessControl.of(Map.of("ann", Map.of("*", AccessRight.WRITE), "rob", Map.of("db", AccessRight.READ))),
            allocator, "test", KapuFlightSqlProducer.Delivery.RELAY))
        .headerAuthenticator(FlightSqlAuth.users(Map.of("ann", "pw", "rob", "pw2")))
        .build();
    flight = FlightClient.builder(allocator, new Location(server.endpoint().url())).build();
    sql = new FlightSqlClient(flight);
    bearer = flight.authenticateBasicToken("ann", "pw").orElseThrow();
    rob = flight.authenticateBasicToken("rob", "pw2").orElseThrow();
  }

  @AfterEach
  void stop() throws Exception {
    sql.close();
    server.close();
    allocator.close();
  }

  private long sum(FlightInfo info) throws Exception {
    return sum(info, bearer);
  }

  private long sum(FlightInfo info, CredentialCallOption user) throws Exception {
    long sum = 0;
    try (FlightStream stream = sql.getStream(info.getEndpoints().get(0).getTicket(), user)) {
      while (stream.next()) {
        BigIntVector v = (BigIntVector) stream.getRoot().getVector(0);
        for (int i = 0; i < stream.getRoot().getRowCount(); i++) {
          sum += v.get(i);
        }
      }
    }
    return sum;
  }

  @Test
  void statementQueryIsRelayedOnceAndTheTicketIsSpent() throws Exception {
    FlightInfo info = sql.execute("SELECT 95", bearer);
    assertThat(info.getSchemaOptional()).contains(NUMBERS);
    assertThat(info.getEndpoints().get(0).getLocations()).isEmpty(); // relay: fetch from this server
    assertThat(sum(info)).isEqualTo(95L * 94 / 2);
    assertThatThrownBy(() -> sum(info))
        .isInstanceOfSatisfying(FlightRuntimeException.class,
            e -> assertThat(e.status().code()).isEqualTo(FlightStatusCode.NOT_FOUND));
  }

  @Test
  void databaseErrorKeepsItsMessageAndGetsItsCategorysStatus() {
    assertThatThrownBy(() -> sql.execute("BAD SQL", bearer))
        .isInstanceOfSatisfying(FlightRuntimeException.class, e -> {
          assertThat(e.status().code()).isEqualTo(FlightStatusCode.INVALID_ARGUMENT);
          assertThat(e.getMessage()).isEqualTo("Parser Error: syntax error at or near \"BAD\"");
        });
  }

  @Test
  void aBackendsOwnFaultIsInternalWithoutItsClassName() {
    assertThatThrownBy(() -> sql.execute("BUG", bearer))
        .isInstanceOfSatisfying(FlightRuntimeException.class, e -> {
          assertThat(e.status().code()).isEqualTo(FlightStatusCode.INTERNAL);
          assertThat(e.getMessage()).isEqualTo("the backend's own fault");
        });
  }

  @Test
  void updatesReturnTheirCount() {
    assertThat(sql.executeUpdate("DELETE FROM t", bearer)).isEqualTo(7);
    assertThat(updates).containsKey("DELETE FROM t");
  }

  @Test
  void preparedQueryAndCatalogs() throws Exception {
    FlightSqlClient.PreparedStatement p = sql.prepare("SELECT 20", bearer);
    assertThat(p.getResultSetSchema()).isEqualTo(NUMBERS);
    assertThat(sum(p.execute(bearer))).isEqualTo(190);
    p.close(bearer); // close() alone would present no credentials
    assertThat(catalogs(bearer)).containsExactly("db", "hidden");
  }

  private List<String> catalogs(CredentialCallOption user) throws Exception {
    List<String> catalogs = new ArrayList<>();
    try (FlightStream stream = sql.getStream(sql.getCatalogs(user).getEndpoints().get(0).getTicket(), user)) {
      while (stream.next()) {
        for (int i = 0; i < stream.getRoot().getRowCount(); i++) {
          catalogs.add(stream.getRoot().getVector(0).getObject(i).toString());
        }
      }
    }
    return catalogs;
  }

  private static void assertRefused(Runnable call, FlightStatusCode code, String message) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(FlightRuntimeException.class, e -> {
      assertThat(e.status().code()).isEqualTo(code);
      assertThat(e.getMessage()).contains(message);
    });
  }

  @Test
  void aReadOnlyUserQueriesReadOnlyAndIsRefusedUpdates() throws Exception {
    FlightInfo robs = sql.execute("SELECT 10", rob);
    assertRefused(() -> {
      try {
        sum(sql.execute("SELECT 12", rob), bearer);
      } catch (Exception e) {
        throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
      }
    }, FlightStatusCode.NOT_FOUND, "unknown or already used ticket"); // a ticket is its user's
    assertThat(sum(robs, rob)).isEqualTo(45);
    assertThat(readOnlyQueries).containsEntry("SELECT 10", true);
    assertThat(sum(sql.execute("SELECT 11", bearer))).isEqualTo(55);
    assertThat(readOnlyQueries).containsEntry("SELECT 11", false);

    assertRefused(() -> sql.executeUpdate("DELETE FROM t", rob), FlightStatusCode.UNAUTHORIZED,
        "user 'rob' may only read 'db'");
    FlightSqlClient.PreparedStatement update = sql.prepare("DELETE FROM t", rob);
    assertRefused(() -> update.executeUpdate(rob), FlightStatusCode.UNAUTHORIZED, "user 'rob' may only read 'db'");
    update.close(rob);
    assertThat(updates).isEmpty();
    // the backend's refusal of a read-only query names the user and the catalog
    assertRefused(() -> sql.execute("INSERT INTO t VALUES (1) RETURNING *", rob), FlightStatusCode.UNAUTHORIZED,
        "user 'rob' may only read 'db': DuckDB runs one SELECT statement");
    assertThat(sql.executeUpdate("DELETE FROM t", bearer)).isEqualTo(7); // ann still may
  }

  @Test
  void aCatalogWithoutARightIsNeitherListedNorUsable() throws Exception {
    assertThat(catalogs(rob)).containsExactly("db");
    assertThat(catalogs(bearer)).containsExactly("db", "hidden");
  }

  @Test
  void anotherUsersPreparedStatementIsUnknown() throws Exception {
    FlightSqlClient.PreparedStatement anns = sql.prepare("SELECT 3", bearer);
    assertRefused(() -> anns.execute(rob), FlightStatusCode.NOT_FOUND, "unknown prepared statement handle");
    assertThat(sum(anns.execute(bearer))).isEqualTo(3);
    anns.close(bearer);
  }

  @Test
  void wrongPasswordsAndUnknownUsersGetTheSameAnswer() {
    for (String[] credentials : List.of(new String[] {"rob", "pw"}, new String[] {"bob", "pw2"}, new String[] {"rob", ""})) {
      assertRefused(() -> flight.authenticateBasicToken(credentials[0], credentials[1]),
          FlightStatusCode.UNAUTHENTICATED, "wrong user name or password");
    }
  }

  @Test
  void callsWithoutOrWithWrongCredentialsAreRefused() {
    assertThatThrownBy(() -> sql.execute("SELECT 1"))
        .isInstanceOfSatisfying(FlightRuntimeException.class,
            e -> assertThat(e.status().code()).isEqualTo(FlightStatusCode.UNAUTHENTICATED));
    assertThatThrownBy(() -> flight.authenticateBasicToken("ann", "wrong"))
        .isInstanceOfSatisfying(FlightRuntimeException.class,
            e -> assertThat(e.status().code()).isEqualTo(FlightStatusCode.UNAUTHENTICATED));
  }
}
