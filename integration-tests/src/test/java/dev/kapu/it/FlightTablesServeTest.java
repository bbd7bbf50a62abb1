package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.adbc.core.AdbcConnection;
import org.apache.arrow.adbc.core.AdbcDatabase;
import org.apache.arrow.adbc.core.AdbcDriver;
import org.apache.arrow.adbc.core.AdbcException;
import org.apache.arrow.adbc.core.AdbcStatement;
import org.apache.arrow.adbc.core.BulkIngestMode;
import org.apache.arrow.adbc.driver.flightsql.FlightSqlDriver;
import org.apache.arrow.adbc.sql.SqlQuirks;
import org.apache.arrow.flight.AsyncPutListener;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightClient.ClientStreamListener;
import org.apache.arrow.flight.FlightClient.ExchangeReaderWriter;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.SyncPutListener;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.flight.sql.FlightSqlClient.ExecuteIngestOptions;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest.TableDefinitionOptions;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest.TableDefinitionOptions.TableExistsOption;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementIngest.TableDefinitionOptions.TableNotExistOption;
import org.apache.arrow.flight.sql.impl.FlightSql.DoPutUpdateResult;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Plain Arrow Flight and Flight SQL bulk ingest against {@code kapu serve} in a process of its own:
 * tables uploaded with DoPut, listed, read back with DoGet and queried through the Flight SQL JDBC
 * driver; uploads cut mid-stream; columnar functions over DoExchange (registered by this module's
 * {@code META-INF/services}); bulk ingest through the ADBC driver and Flight SQL's
 * CommandStatementIngest.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FlightTablesServeTest {
  private static final Schema PEOPLE = new Schema(List.of(
      Field.nullable("id", new ArrowType.Int(64, true)),
      Field.nullable("name", ArrowType.Utf8.INSTANCE)));
  private static final Schema XS = new Schema(List.of(Field.nullable("x", new ArrowType.Int(64, true))));

  private static ServeProcess serve;
  private static BufferAllocator allocator;
  private static FlightClient client;
  private static CredentialCallOption bearer;
  private static Connection jdbc;

  @BeforeAll
  static void start() throws Exception {
    serve = ServeProcess.start("--port", "0", "--daemons", "2");
    allocator = new RootAllocator();
    client = FlightClient.builder(allocator, new Location(serve.printed.get("flight_url"))).build();
    bearer = client.authenticateBasicToken(serve.printed.get("user"), serve.printed.get("password")).orElseThrow();
    jdbc = DriverManager.getConnection(serve.jdbcUrl());
  }

  @AfterAll
  static void stop() throws Exception {
    if (jdbc != null) {
      jdbc.close();
    }
    if (client != null) {
      client.close();
    }
    if (serve != null) {
      serve.stop();
    }
    if (allocator != null) {
      allocator.close();
    }
  }

  /** Rows {@code first .. first + n - 1}: id, and name "row ID". */
  private static void people(VectorSchemaRoot root, long first, int n) {
    root.allocateNew();
    BigIntVector id = (BigIntVector) root.getVector("id");
    VarCharVector name = (VarCharVector) root.getVector("name");
    for (int i = 0; i < n; i++) {
      id.setSafe(i, first + i);
      name.setSafe(i, ("row " + (first + i)).getBytes(StandardCharsets.UTF_8));
    }
    root.setRowCount(n);
  }

  /** Uploads {@code batches} batches of {@code rows} people to {@code descriptor}; the count the server answers. */
  private static long put(FlightDescriptor descriptor, int batches, int rows) throws Exception {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(PEOPLE, allocator)) {
      SyncPutListener answers = new SyncPutListener();
      ClientStreamListener put = client.startPut(descriptor, root, answers, bearer);
      for (int b = 0; b < batches; b++) {
        people(root, (long) b * rows, rows);
        put.putNext();
      }
      put.completed();
      put.getResult();
      try (PutResult result = answers.read()) {
        byte[] bytes = new byte[(int) result.getApplicationMetadata().readableBytes()];
        result.getApplicationMetadata().getBytes(0, bytes);
        return DoPutUpdateResult.parseFrom(bytes).getRecordCount();
      }
    }
  }

  /** Sends some batches, then fails the stream as a client that gives up would. */
  private static void putAndCut(FlightDescriptor descriptor, int batches) throws Exception {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(PEOPLE, allocator)) {
      ClientStreamListener put = client.startPut(descriptor, root, new AsyncPutListener(), bearer);
      for (int b = 0; b < batches; b++) {
        people(root, b * 100L, 100);
        put.putNext();
      }
      put.error(new RuntimeException("the client gave up"));
      assertThatThrownBy(put::getResult).isInstanceOf(FlightRuntimeException.class);
    }
  }

  private static FlightInfo listed(String name) {
    for (FlightInfo info : client.listFlights(Criteria.ALL, bearer)) {
      if (info.getDescriptor().getPath().equals(List.of(name))) {
        return info;
      }
    }
    return null;
  }

  /** [rows, sum of id] of a stream with an id column. */
  private static long[] countAndSum(FlightStream stream) throws Exception {
    long rows = 0;
    long sum = 0;
    try (stream) {
      while (stream.next()) {
        BigIntVector id = (BigIntVector) stream.getRoot().getVector("id");
        for (int i = 0; i < stream.getRoot().getRowCount(); i++) {
          sum += id.get(i);
        }
        rows += stream.getRoot().getRowCount();
      }
    }
    return new long[] {rows, sum};
  }

  private static long[] sql(String query) throws Exception {
    try (Statement s = jdbc.createStatement(); ResultSet rs = s.executeQuery(query)) {
      assertThat(rs.next()).isTrue();
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  private static FlightStatusCode code(Throwable e) {
    return ((FlightRuntimeException) e).status().code();
  }

  private static Ticket ticket(String json) {
    return new Ticket(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @Order(1)
  void uploadIsListedReadBackAndQueried() throws Exception {
    assertThat(put(FlightDescriptor.path("uploaded"), 3, 1000)).isEqualTo(3000);

    FlightInfo info = listed("uploaded");
    assertThat(info).isNotNull();
    assertThat(info.getRecords()).isEqualTo(3000);
    assertThat(info.getBytes()).isPositive();
    assertThat(info.getSchema()).isEqualTo(PEOPLE);
    long sum = 2999L * 3000 / 2;
    assertThat(countAndSum(client.getStream(info.getEndpoints().get(0).getTicket(), bearer)))
        .containsExactly(3000, sum);
    FlightInfo described = client.getInfo(FlightDescriptor.path("uploaded"), bearer);
    assertThat(described.getRecords()).isEqualTo(3000);
    assertThat(client.getSchema(FlightDescriptor.path("uploaded"), bearer).getSchema()).isEqualTo(PEOPLE);

    // the served DuckDB sees it by name, through the Flight SQL JDBC driver and a SQL ticket
    assertThat(sql("SELECT count(*), sum(id) FROM uploaded")).containsExactly(3000, sum);
    assertThat(countAndSum(client.getStream(ticket("{\"sql\": \"SELECT id FROM uploaded WHERE id < 10\"}"), bearer)))
        .containsExactly(10, 45);
    assertThat(countAndSum(client.getStream(
        ticket("{\"sql\": \"SELECT id FROM uploaded WHERE id < 3\", \"resource\": \"duckdb\"}"), bearer)))
        .containsExactly(3, 3);
    // and a statement can keep a copy in the database
    try (Statement s = jdbc.createStatement()) {
      assertThat(s.executeUpdate("CREATE TABLE kept AS SELECT * FROM uploaded")).isEqualTo(3000);
    }
    assertThat(sql("SELECT count(*), sum(id) FROM kept")).containsExactly(3000, sum);
  }

  @Test
  @Order(1)
  void anUploadInLargeBatchesArrivesWhole() throws Exception {
    // batches of several MB, passed on by kapu serve without a copy and taken by the daemon in 1 MiB frames
    int batches = 6;
    int rows = 250_000;
    long n = (long) batches * rows;
    assertThat(put(FlightDescriptor.path("large"), batches, rows)).isEqualTo(n);
    assertThat(sql("SELECT count(*), sum(id) FROM large")).containsExactly(n, n * (n - 1) / 2);
    assertThat(sql("SELECT count(*) FILTER (WHERE name = 'row ' || id), count(DISTINCT id) FROM large"))
        .containsExactly(n, n);
  }

  @Test
  @Order(1)
  void getFlightInfoOfATableNamesTheDaemonThatHoldsIt() throws Exception {
    put(FlightDescriptor.path("direct"), 2, 500);
    long sum = 999L * 1000 / 2;
    FlightInfo info = client.getInfo(FlightDescriptor.path("direct"), bearer);
    assertThat(info.getRecords()).isEqualTo(1000);
    assertThat(info.getEndpoints()).hasSize(1);
    FlightEndpoint endpoint = info.getEndpoints().get(0);
    assertThat(endpoint.getLocations()).hasSize(1);
    Location daemon = endpoint.getLocations().get(0);
    assertThat(daemon.getUri().getPort()).isNotEqualTo(URI.create(serve.printed.get("flight_url")).getPort());
    try (FlightClient there = FlightClient.builder(allocator, daemon).build()) {
      // the one-time ticket is the capability there: no credentials
      assertThat(countAndSum(there.getStream(endpoint.getTicket()))).containsExactly(1000, sum);
      assertThatThrownBy(() -> countAndSum(there.getStream(endpoint.getTicket())))
          .satisfies(e -> assertThat(code(e)).isEqualTo(FlightStatusCode.NOT_FOUND));
    }

    // a client that ignores locations and redeems the ticket here gets the table relayed
    FlightInfo again = client.getInfo(FlightDescriptor.path("direct"), bearer);
    assertThat(countAndSum(client.getStream(again.getEndpoints().get(0).getTicket(), bearer)))
        .containsExactly(1000, sum);
  }

  @Test
  @Order(2)
  void anExistingTableIsReplacedOnlyWhenAsked() throws Exception {
    assertThatThrownBy(() -> put(FlightDescriptor.path("uploaded"), 1, 10))
        .isInstanceOf(FlightRuntimeException.class)
        .satisfies(e -> assertThat(code(e)).isEqualTo(FlightStatusCode.ALREADY_EXISTS))
        .hasMessageContaining("replace");
    assertThat(listed("uploaded").getRecords()).isEqualTo(3000);

    assertThat(put(FlightDescriptor.path("uploaded", "replace"), 1, 10)).isEqualTo(10);
    assertThat(listed("uploaded").getRecords()).isEqualTo(10);
    assertThat(sql("SELECT count(*), sum(id) FROM uploaded")).containsExactly(10, 45);

    for (FlightDescriptor bad : List.of(FlightDescriptor.path("uploaded", "overwrite"),
        FlightDescriptor.path("not a name"), FlightDescriptor.path("duckdb"))) {
      assertThatThrownBy(() -> put(bad, 1, 10))
          .as("%s", bad)
          .isInstanceOf(FlightRuntimeException.class)
          .satisfies(e -> assertThat(code(e)).isEqualTo(FlightStatusCode.INVALID_ARGUMENT));
    }
  }

  @Test
  @Order(3)
  void anUploadCutMidStreamLeavesNothingAndEverythingKeepsServing() throws Exception {
    putAndCut(FlightDescriptor.path("cut"), 3);
    Thread.sleep(500); // let the cut reach the daemon: had it kept a half table, it would show now
    assertThat(listed("cut")).isNull();
    assertThatThrownBy(() -> sql("SELECT count(*), 0 FROM cut")).hasMessageContaining("cut");

    // a replacing upload cut mid-stream leaves the old table as it was
    putAndCut(FlightDescriptor.path("uploaded", "replace"), 2);
    Thread.sleep(500);
    assertThat(listed("uploaded").getRecords()).isEqualTo(10);

    // nothing called "cut" is left anywhere: a new upload of that name is no replacement
    assertThat(put(FlightDescriptor.path("cut"), 2, 50)).isEqualTo(100);
    assertThat(listed("cut").getRecords()).isEqualTo(100);
    assertThat(sql("SELECT count(*), sum(id) FROM uploaded")).containsExactly(10, 45);
    assertThat(serve.daemons).allMatch(ProcessHandle::isAlive);
  }

  @Test
  @Order(4)
  void unknownTablesAndMalformedTicketsAreRefusedPrecisely() {
    assertThatThrownBy(() -> countAndSum(client.getStream(ticket("{\"table\": \"nope\"}"), bearer)))
        .satisfies(e -> assertThat(code(e)).isEqualTo(FlightStatusCode.NOT_FOUND))
        .hasMessageContaining("no table 'nope'")
        .hasMessageContaining("uploaded");
    assertThatThrownBy(() -> client.getInfo(FlightDescriptor.path("nope"), bearer))
        .satisfies(e -> assertThat(code(e)).isEqualTo(FlightStatusCode.NOT_FOUND));
    assertThatThrownBy(() -> countAndSum(client.getStream(ticket("{\"sql\": \"SELECT 1\", \"resource\": \"nope\"}"), bearer)))
        .satisfies(e -> assertThat(code(e)).isEqualTo(FlightStatusCode.NOT_FOUND))
        .hasMessageContaining("no resource 'nope'");
    for (String malformed : List.of("garbage", "{\"table\": ", "{\"tabel\": \"uploaded\"}", "{\"table\": 3}")) {
      assertThatThrownBy(() -> countAndSum(client.getStream(ticket(malformed), bearer)))
          .as(malformed)
          .satisfies(e -> assertThat(code(e)).isEqualTo(FlightStatusCode.INVALID_ARGUMENT))
          .hasMessageContaining("malformed ticket");
    }
    assertThatThrownBy(() -> countAndSum(client.getStream(ticket("{\"sql\": \"SELEC 1\"}"), bearer)))
        .hasMessageContaining("syntax error");
  }

  /** Sends {@code batches} batches of 500 x values through the function; the y values it answers. */
  private static List<Double> exchange(FlightDescriptor descriptor, int batches) throws Exception {
    List<Double> ys = new ArrayList<>();
    try (ExchangeReaderWriter exchange = client.doExchange(descriptor, bearer);
        VectorSchemaRoot in = VectorSchemaRoot.create(XS, allocator)) {
      exchange.getWriter().start(in);
      for (int b = 0; b < batches; b++) {
        in.allocateNew();
        BigIntVector x = (BigIntVector) in.getVector(0);
        for (int i = 0; i < 500; i++) {
          x.setSafe(i, b * 500L + i);
        }
        in.setRowCount(500);
        exchange.getWriter().putNext();
      }
      exchange.getWriter().completed();
      FlightStream out = exchange.getReader();
      while (out.next()) {
        VectorSchemaRoot root = out.getRoot();
        for (int i = 0; i < root.getRowCount(); i++) {
          Object value = root.getVector(0).getObject(i);
          ys.add(value instanceof Long l ? l.doubleValue() : (Double) value);
        }
      }
    }
    return ys;
  }

  @Test
  @Order(5)
  void columnarFunctionsOverDoExchange() throws Exception {
    List<Double> ys = exchange(FlightDescriptor.path("scale", "2.5"), 4);
    List<Double> expected = new ArrayList<>();
    for (long x = 0; x < 2000; x += 2) {
      expected.add(x * 2.5);
    }
    expected.add(2000.0); // finish(): the rows seen
    assertThat(ys).containsExactlyElementsOf(expected);

    assertThatThrownBy(() -> exchange(FlightDescriptor.path("no_such_function"), 1))
        .satisfies(e -> assertThat(code(e)).isEqualTo(FlightStatusCode.NOT_FOUND))
        .hasMessageContaining("no columnar function 'no_such_function'")
        .hasMessageContaining("scale");
    assertThatThrownBy(() -> exchange(FlightDescriptor.path("scale"), 1))
        .satisfies(e -> assertThat(code(e)).isEqualTo(FlightStatusCode.INVALID_ARGUMENT))
        .hasMessageContaining("scale takes one argument");
    assertThatThrownBy(() -> exchange(FlightDescriptor.path("fail_on_second_batch"), 2))
        .isInstanceOf(FlightRuntimeException.class)
        .hasMessageContaining("boom at batch 2");

    // the daemons keep serving
    assertThat(exchange(FlightDescriptor.path("scale", "1"), 1)).hasSize(251);
    assertThat(serve.daemons).allMatch(ProcessHandle::isAlive);
  }

  @Test
  @Order(6)
  void adbcBulkIngestCreatesThenAppends() throws Exception {
    Map<String, Object> parameters = new HashMap<>();
    AdbcDriver.PARAM_URI.set(parameters, serve.printed.get("flight_url"));
    AdbcDriver.PARAM_USERNAME.set(parameters, serve.printed.get("user"));
    AdbcDriver.PARAM_PASSWORD.set(parameters, serve.printed.get("password"));
    // The Java ADBC driver's bulk ingest sends its prepared INSERT's batches without the bearer
    // header: with cookies on, the server's bearer cookie goes along instead.
    parameters.put("adbc.flight.sql.rpc.with_cookie_middleware", true);
    // It writes CREATE TABLE with these type names; its default says CLOB for strings, a type
    // DuckDB does not have.
    parameters.put("adbc.sql.quirks", SqlQuirks.builder().arrowToSqlTypeNameMapping(type ->
        type instanceof ArrowType.Int ? "BIGINT" : type instanceof ArrowType.Utf8 ? "VARCHAR" : null).build());
    try (AdbcDatabase database = new FlightSqlDriver(allocator).open(parameters);
        AdbcConnection adbc = database.connect();
        VectorSchemaRoot root = VectorSchemaRoot.create(PEOPLE, allocator)) {
      people(root, 0, 100);
      try (AdbcStatement ingest = adbc.bulkIngest("ingested", BulkIngestMode.CREATE)) {
        ingest.bind(root);
        assertThat(ingest.executeUpdate().getAffectedRows()).isEqualTo(100);
      }
      people(root, 100, 50);
      try (AdbcStatement ingest = adbc.bulkIngest("ingested", BulkIngestMode.APPEND)) {
        ingest.bind(root);
        assertThat(ingest.executeUpdate().getAffectedRows()).isEqualTo(50);
      }
      try (AdbcStatement ingest = adbc.bulkIngest("ingested", BulkIngestMode.CREATE)) {
        ingest.bind(root);
        assertThatThrownBy(ingest::executeUpdate).isInstanceOf(AdbcException.class);
      }
    }
    assertThat(sql("SELECT count(*), sum(id) FROM ingested")).containsExactly(150, 149L * 150 / 2);
  }

  private static ExecuteIngestOptions ingestOptions(String table, TableNotExistOption ifNotExist,
      TableExistsOption ifExists) {
    TableDefinitionOptions options = TableDefinitionOptions.newBuilder()
        .setIfNotExist(ifNotExist).setIfExists(ifExists).build();
    return new ExecuteIngestOptions(table, options, null, null, Map.of());
  }

  @Test
  @Order(7)
  void flightSqlIngestModesAndACutIngest() throws Exception {
    FlightSqlClient flightSql = new FlightSqlClient(client);
    try (VectorSchemaRoot root = VectorSchemaRoot.create(PEOPLE, allocator)) {
      people(root, 0, 1000);
      assertThat(flightSql.executeIngest(root, ingestOptions("events", TableNotExistOption.TABLE_NOT_EXIST_OPTION_CREATE,
          TableExistsOption.TABLE_EXISTS_OPTION_FAIL), bearer)).isEqualTo(1000);
      assertThatThrownBy(() -> flightSql.executeIngest(root, ingestOptions("events",
          TableNotExistOption.TABLE_NOT_EXIST_OPTION_CREATE, TableExistsOption.TABLE_EXISTS_OPTION_FAIL), bearer))
          .satisfies(e -> assertThat(code(e)).isEqualTo(FlightStatusCode.ALREADY_EXISTS));
      assertThatThrownBy(() -> flightSql.executeIngest(root, ingestOptions("absent",
          TableNotExistOption.TABLE_NOT_EXIST_OPTION_FAIL, TableExistsOption.TABLE_EXISTS_OPTION_APPEND), bearer))
          .hasMessageContaining("absent")
          .satisfies(e -> assertThat(code(e)).isEqualTo(FlightStatusCode.NOT_FOUND));
      people(root, 1000, 10);
      assertThat(flightSql.executeIngest(root, ingestOptions("events", TableNotExistOption.TABLE_NOT_EXIST_OPTION_FAIL,
          TableExistsOption.TABLE_EXISTS_OPTION_APPEND), bearer)).isEqualTo(10);
      long sum = 1009L * 1010 / 2;
      assertThat(sql("SELECT count(*), sum(id) FROM events")).containsExactly(1010, sum);

      // a stream that fails mid-way leaves the table unchanged, whatever the mode
      for (TableExistsOption mode : List.of(TableExistsOption.TABLE_EXISTS_OPTION_APPEND,
          TableExistsOption.TABLE_EXISTS_OPTION_REPLACE)) {
        CommandStatementIngest command = CommandStatementIngest.newBuilder().setTable("events")
            .setTableDefinitionOptions(TableDefinitionOptions.newBuilder()
                .setIfNotExist(TableNotExistOption.TABLE_NOT_EXIST_OPTION_FAIL).setIfExists(mode))
            .build();
        putAndCut(FlightDescriptor.command(Any.pack(command).toByteArray()), 3);
        assertThat(sql("SELECT count(*), sum(id) FROM events")).as("%s", mode).containsExactly(1010, sum);
      }

      people(root, 0, 5);
      assertThat(flightSql.executeIngest(root, ingestOptions("events", TableNotExistOption.TABLE_NOT_EXIST_OPTION_FAIL,
          TableExistsOption.TABLE_EXISTS_OPTION_REPLACE), bearer)).isEqualTo(5);
      assertThat(sql("SELECT count(*), sum(id) FROM events")).containsExactly(5, 10);
      assertThatThrownBy(() -> flightSql.executeIngest(root, new ExecuteIngestOptions("events",
          TableDefinitionOptions.newBuilder().setIfNotExist(TableNotExistOption.TABLE_NOT_EXIST_OPTION_CREATE)
              .setIfExists(TableExistsOption.TABLE_EXISTS_OPTION_APPEND).build(), "nope", null, Map.of()), bearer))
          .satisfies(e -> assertThat(code(e)).isEqualTo(FlightStatusCode.NOT_FOUND))
          .hasMessageContaining("no catalog 'nope'");
    }
  }
}
