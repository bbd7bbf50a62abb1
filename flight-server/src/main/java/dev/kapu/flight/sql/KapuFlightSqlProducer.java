package dev.kapu.flight.sql;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import dev.kapu.flight.KapuServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.CloseSessionRequest;
import org.apache.arrow.flight.CloseSessionResult;
import org.apache.arrow.flight.GetSessionOptionsRequest;
import org.apache.arrow.flight.GetSessionOptionsResult;
import org.apache.arrow.flight.NoOpSessionOptionValueVisitor;
import org.apache.arrow.flight.ServerSessionMiddleware;
import org.apache.arrow.flight.SessionOptionValue;
import org.apache.arrow.flight.SetSessionOptionsRequest;
import org.apache.arrow.flight.SetSessionOptionsResult;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.NoOpFlightSqlProducer;
import org.apache.arrow.flight.sql.SqlInfoBuilder;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionClosePreparedStatementRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionCreatePreparedStatementRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionCreatePreparedStatementResult;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetCatalogs;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetDbSchemas;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetSqlInfo;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetTableTypes;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetTables;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandPreparedStatementQuery;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandPreparedStatementUpdate;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementQuery;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementUpdate;
import org.apache.arrow.flight.sql.impl.FlightSql.DoPutUpdateResult;
import org.apache.arrow.flight.sql.impl.FlightSql.TicketStatementQuery;
import org.apache.arrow.flight.sql.FlightSqlProducer.Schemas;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flight SQL over hosted resources: a resource is a catalog, statements run on daemons through a
 * {@link SqlBackend}, and results are relayed through this server (a {@code FlightInfo}'s endpoint
 * carries no location, so clients fetch from the server they asked).
 *
 * <p>A client chooses its catalog with the session option {@code catalog} (the Flight SQL JDBC
 * driver's {@code catalog} property); without one, statements run on the first catalog.
 *
 * <p>Statement queries, prepared statements (with parameters bound by DoPut), updates, GetSqlInfo,
 * catalogs, schemas, tables and table types. A ticket is good for one DoGet. A database error
 * reaches the client as a Flight status carrying the database's message.
 */
public final class KapuFlightSqlProducer extends NoOpFlightSqlProducer {
  private static final Logger log = LoggerFactory.getLogger(KapuFlightSqlProducer.class);
  private static final List<String> TABLE_TYPES = List.of("LOCAL TEMPORARY", "TABLE", "VIEW");
  /** The session option that chooses the catalog (hosted resource) statements run on. */
  private static final String CATALOG = "catalog";
  private static final NoOpSessionOptionValueVisitor<String> STRING = new NoOpSessionOptionValueVisitor<>() {
    @Override
    public String visit(String value) {
      return value;
    }
  };

  private final SqlBackend backend;
  private final BufferAllocator allocator;
  private final SqlInfoBuilder sqlInfo;
  private final Map<ByteString, Prepared> prepared = new ConcurrentHashMap<>();
  private final Map<ByteString, Pending> pending = new ConcurrentHashMap<>();

  /** A prepared statement: where and what, and the parameters last bound to it. */
  private static final class Prepared {
    final String catalog;
    final String sql;
    final SqlBackend.Description description;
    volatile List<List<Object>> parameters = List.of();

    Prepared(String catalog, String sql, SqlBackend.Description description) {
      this.catalog = catalog;
      this.sql = sql;
      this.description = description;
    }
  }

  /** A query a ticket stands for, until it is fetched. */
  private record Pending(String catalog, String sql, List<Object> parameters) {}

  public KapuFlightSqlProducer(SqlBackend backend, BufferAllocator allocator, String version) {
    this.backend = backend;
    this.allocator = allocator;
    this.sqlInfo = new SqlInfoBuilder()
        .withFlightSqlServerName("Kapu")
        .withFlightSqlServerVersion(version)
        .withFlightSqlServerArrowVersion("18.3.0")
        .withFlightSqlServerReadOnly(false)
        .withFlightSqlServerSql(true)
        .withFlightSqlServerSubstrait(false)
        .withFlightSqlServerTransaction(
            org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_NONE)
        .withFlightSqlServerCancel(false)
        .withSqlIdentifierQuoteChar("\"")
        .withSqlDdlCatalog(false)
        .withSqlDdlSchema(true)
        .withSqlDdlTable(true)
        .withFlightSqlServerBulkIngestion(true) // CommandStatementIngest, served by KapuFlightProducer
        .withFlightSqlServerBulkIngestionTransaction(false);
  }

  private String defaultCatalog() {
    return backend.catalogs().get(0);
  }

  /** The catalog this client's session chose (session option {@code catalog}), else the default. */
  private String catalog(CallContext context) {
    String chosen = sessionCatalog(context);
    return chosen != null ? chosen : defaultCatalog();
  }

  /** The catalog this client's session chose with the session option {@code catalog}; null if none. */
  public static String sessionCatalog(CallContext context) {
    ServerSessionMiddleware sessions = context.getMiddleware(KapuServer.SESSIONS);
    if (sessions != null && sessions.hasSession()) {
      SessionOptionValue value = sessions.getSession().getSessionOption(CATALOG);
      return value == null ? null : value.acceptVisitor(STRING);
    }
    return null;
  }

  // ---- sessions -----------------------------------------------------------------------------

  @Override
  public void setSessionOptions(SetSessionOptionsRequest request, CallContext context,
      StreamListener<SetSessionOptionsResult> listener) {
    ServerSessionMiddleware sessions = context.getMiddleware(KapuServer.SESSIONS);
    if (sessions == null) {
      listener.onError(CallStatus.UNIMPLEMENTED.withDescription("this server keeps no sessions").toRuntimeException());
      return;
    }
    Map<String, SetSessionOptionsResult.Error> errors = new HashMap<>();
    request.getSessionOptions().forEach((name, value) -> {
      if (!CATALOG.equals(name)) {
        errors.put(name, new SetSessionOptionsResult.Error(SetSessionOptionsResult.ErrorValue.INVALID_NAME));
        return;
      }
      String catalog = value.acceptVisitor(STRING);
      if (catalog == null || !backend.catalogs().contains(catalog)) {
        log.info("refused catalog '{}': served are {}", catalog, backend.catalogs());
        errors.put(name, new SetSessionOptionsResult.Error(SetSessionOptionsResult.ErrorValue.INVALID_VALUE));
        return;
      }
      sessions.getSession().setSessionOption(CATALOG, value);
    });
    listener.onNext(new SetSessionOptionsResult(errors));
    listener.onCompleted();
  }

  @Override
  public void getSessionOptions(GetSessionOptionsRequest request, CallContext context,
      StreamListener<GetSessionOptionsResult> listener) {
    ServerSessionMiddleware sessions = context.getMiddleware(KapuServer.SESSIONS);
    Map<String, SessionOptionValue> options = sessions != null && sessions.hasSession()
        ? sessions.getSession().getSessionOptions()
        : Map.of();
    listener.onNext(new GetSessionOptionsResult(options));
    listener.onCompleted();
  }

  @Override
  public void closeSession(CloseSessionRequest request, CallContext context,
      StreamListener<CloseSessionResult> listener) {
    ServerSessionMiddleware sessions = context.getMiddleware(KapuServer.SESSIONS);
    if (sessions != null && sessions.hasSession()) {
      sessions.closeSession();
    }
    listener.onNext(new CloseSessionResult(CloseSessionResult.Status.CLOSED));
    listener.onCompleted();
  }

  // ---- errors -------------------------------------------------------------------------------

  /** A Flight status for {@code e}, keeping the database's message (a Flight status passes through). */
  public static FlightRuntimeException status(Throwable e) {
    if (e instanceof FlightRuntimeException f) {
      return f;
    }
    String message = e.getMessage() != null ? e.getMessage() : e.getClass().getName();
    CallStatus code = e instanceof IllegalArgumentException ? CallStatus.INVALID_ARGUMENT : CallStatus.INTERNAL;
    return code.withDescription(message).withCause(e).toRuntimeException();
  }

  // ---- statements ---------------------------------------------------------------------------

  /** A ticket that is not a Flight SQL command is the client's mistake: INVALID_ARGUMENT, not INTERNAL. */
  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    try {
      Any.parseFrom(ticket.getBytes());
    } catch (InvalidProtocolBufferException e) {
      listener.error(CallStatus.INVALID_ARGUMENT.withDescription("malformed ticket: not a Flight SQL ticket")
          .toRuntimeException());
      return;
    }
    super.getStream(context, ticket, listener);
  }

  private SqlBackend.Description describe(String catalog, String sql) {
    try {
      return backend.describe(catalog, sql);
    } catch (Exception e) {
      throw status(e);
    }
  }

  private FlightInfo ticketFor(Pending query, Schema schema, FlightDescriptor descriptor) {
    ByteString handle = ByteString.copyFromUtf8(UUID.randomUUID().toString());
    pending.put(handle, query);
    Ticket ticket = new Ticket(Any.pack(TicketStatementQuery.newBuilder().setStatementHandle(handle).build()).toByteArray());
    return new FlightInfo(schema, descriptor, List.of(new FlightEndpoint(ticket)), -1, -1);
  }

  @Override
  public FlightInfo getFlightInfoStatement(CommandStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    String catalog = catalog(context);
    SqlBackend.Description d = describe(catalog, command.getQuery());
    if (d.result() == null) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("not a query (it returns no rows): use an update").toRuntimeException();
    }
    return ticketFor(new Pending(catalog, command.getQuery(), List.of()), d.result(), descriptor);
  }

  @Override
  public SchemaResult getSchemaStatement(CommandStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    SqlBackend.Description d = describe(catalog(context), command.getQuery());
    return new SchemaResult(d.result() != null ? d.result() : new Schema(List.of()));
  }

  @Override
  public void getStreamStatement(TicketStatementQuery ticket, CallContext context, ServerStreamListener listener) {
    Pending query = pending.remove(ticket.getStatementHandle());
    if (query == null) {
      listener.error(CallStatus.NOT_FOUND.withDescription("unknown or already used ticket").toRuntimeException());
      return;
    }
    relay(query, listener);
  }

  /** Runs the query on a daemon and streams its batches on through this server. */
  private void relay(Pending query, ServerStreamListener listener) {
    try (ArrowReader reader = backend.query(query.catalog(), query.sql(), query.parameters())) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      listener.start(root);
      while (reader.loadNextBatch()) {
        // Poll readiness: gRPC delivers its on-ready callback on this call's executor, which this
        // loop occupies, so a callback-based wait would only ever end by timing out.
        while (!listener.isReady()) {
          if (listener.isCancelled()) {
            return;
          }
          LockSupport.parkNanos(200_000);
        }
        listener.putNext();
      }
      listener.completed();
    } catch (Exception e) {
      listener.error(status(e));
    }
  }

  @Override
  public void createPreparedStatement(ActionCreatePreparedStatementRequest request, CallContext context,
      StreamListener<Result> listener) {
    try {
      String catalog = catalog(context);
      SqlBackend.Description d = backend.describe(catalog, request.getQuery());
      ByteString handle = ByteString.copyFromUtf8(UUID.randomUUID().toString());
      prepared.put(handle, new Prepared(catalog, request.getQuery(), d));
      ActionCreatePreparedStatementResult.Builder result = ActionCreatePreparedStatementResult.newBuilder()
          .setPreparedStatementHandle(handle)
          .setParameterSchema(ByteString.copyFrom(SqlSchemas.toBytes(d.parameters())));
      if (d.result() != null) {
        result.setDatasetSchema(ByteString.copyFrom(SqlSchemas.toBytes(d.result())));
      }
      listener.onNext(new Result(Any.pack(result.build()).toByteArray()));
      listener.onCompleted();
    } catch (Exception e) {
      listener.onError(status(e));
    }
  }

  @Override
  public void closePreparedStatement(ActionClosePreparedStatementRequest request, CallContext context,
      StreamListener<Result> listener) {
    prepared.remove(request.getPreparedStatementHandle());
    listener.onCompleted();
  }

  private Prepared lookup(ByteString handle) {
    Prepared p = prepared.get(handle);
    if (p == null) {
      throw CallStatus.NOT_FOUND.withDescription("unknown prepared statement handle").toRuntimeException();
    }
    return p;
  }

  @Override
  public FlightInfo getFlightInfoPreparedStatement(CommandPreparedStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    Prepared p = lookup(command.getPreparedStatementHandle());
    if (p.description.result() == null) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("not a query (it returns no rows): use an update").toRuntimeException();
    }
    List<Object> parameters = p.parameters.isEmpty() ? List.of() : p.parameters.get(0);
    return ticketFor(new Pending(p.catalog, p.sql, parameters), p.description.result(), descriptor);
  }

  @Override
  public SchemaResult getSchemaPreparedStatement(CommandPreparedStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    Prepared p = lookup(command.getPreparedStatementHandle());
    return new SchemaResult(p.description.result() != null ? p.description.result() : new Schema(List.of()));
  }

  @Override
  public void getStreamPreparedStatement(CommandPreparedStatementQuery command, CallContext context,
      ServerStreamListener listener) {
    Prepared p;
    try {
      p = lookup(command.getPreparedStatementHandle());
    } catch (FlightRuntimeException e) {
      listener.error(e);
      return;
    }
    relay(new Pending(p.catalog, p.sql, p.parameters.isEmpty() ? List.of() : p.parameters.get(0)), listener);
  }

  @Override
  public Runnable acceptPutPreparedStatementQuery(CommandPreparedStatementQuery command, CallContext context,
      FlightStream stream, StreamListener<PutResult> ack) {
    return () -> {
      try {
        Prepared p = lookup(command.getPreparedStatementHandle());
        p.parameters = rows(stream);
        ack.onCompleted();
      } catch (Exception e) {
        ack.onError(status(e));
      }
    };
  }

  @Override
  public Runnable acceptPutPreparedStatementUpdate(CommandPreparedStatementUpdate command, CallContext context,
      FlightStream stream, StreamListener<PutResult> ack) {
    return () -> {
      try {
        Prepared p = lookup(command.getPreparedStatementHandle());
        List<List<Object>> rows = rows(stream);
        long count = 0;
        if (rows.isEmpty()) {
          count = backend.update(p.catalog, p.sql, List.of());
        }
        for (List<Object> row : rows) {
          count += backend.update(p.catalog, p.sql, row);
        }
        sendCount(count, ack);
      } catch (Exception e) {
        ack.onError(status(e));
      }
    };
  }

  @Override
  public Runnable acceptPutStatement(CommandStatementUpdate command, CallContext context, FlightStream stream,
      StreamListener<PutResult> ack) {
    return () -> {
      try {
        sendCount(backend.update(catalog(context), command.getQuery(), List.of()), ack);
      } catch (Exception e) {
        ack.onError(status(e));
      }
    };
  }

  private void sendCount(long count, StreamListener<PutResult> ack) {
    byte[] bytes = DoPutUpdateResult.newBuilder().setRecordCount(count).build().toByteArray();
    try (ArrowBuf buffer = allocator.buffer(bytes.length)) {
      buffer.writeBytes(bytes);
      ack.onNext(PutResult.metadata(buffer));
    }
    ack.onCompleted();
  }

  /** Parameter rows bound by a DoPut, as plain Java values. */
  private static List<List<Object>> rows(FlightStream stream) {
    List<List<Object>> rows = new ArrayList<>();
    while (stream.next()) {
      VectorSchemaRoot root = stream.getRoot();
      for (int r = 0; r < root.getRowCount(); r++) {
        List<Object> row = new ArrayList<>();
        for (FieldVector v : root.getFieldVectors()) {
          Object value = v.getObject(r);
          row.add(value instanceof Text t ? t.toString() : value);
        }
        rows.add(row);
      }
    }
    return rows;
  }

  // ---- metadata -----------------------------------------------------------------------------

  private static FlightInfo metadataInfo(Message command, Schema schema, FlightDescriptor descriptor) {
    Ticket ticket = new Ticket(Any.pack(command).toByteArray());
    return new FlightInfo(schema, descriptor, List.of(new FlightEndpoint(ticket)), -1, -1);
  }

  @Override
  public FlightInfo getFlightInfoSqlInfo(CommandGetSqlInfo request, CallContext context, FlightDescriptor descriptor) {
    return metadataInfo(request, Schemas.GET_SQL_INFO_SCHEMA, descriptor);
  }

  @Override
  public void getStreamSqlInfo(CommandGetSqlInfo command, CallContext context, ServerStreamListener listener) {
    sqlInfo.send(command.getInfoList(), listener);
  }

  @Override
  public FlightInfo getFlightInfoCatalogs(CommandGetCatalogs request, CallContext context, FlightDescriptor descriptor) {
    return metadataInfo(request, Schemas.GET_CATALOGS_SCHEMA, descriptor);
  }

  @Override
  public void getStreamCatalogs(CallContext context, ServerStreamListener listener) {
    List<Object[]> rows = new ArrayList<>();
    backend.catalogs().stream().sorted().forEach(c -> rows.add(new Object[] {c}));
    send(Schemas.GET_CATALOGS_SCHEMA, rows, listener);
  }

  @Override
  public FlightInfo getFlightInfoTableTypes(CommandGetTableTypes request, CallContext context,
      FlightDescriptor descriptor) {
    return metadataInfo(request, Schemas.GET_TABLE_TYPES_SCHEMA, descriptor);
  }

  @Override
  public void getStreamTableTypes(CallContext context, ServerStreamListener listener) {
    send(Schemas.GET_TABLE_TYPES_SCHEMA, TABLE_TYPES.stream().map(t -> new Object[] {t}).toList(), listener);
  }

  @Override
  public FlightInfo getFlightInfoSchemas(CommandGetDbSchemas request, CallContext context, FlightDescriptor descriptor) {
    return metadataInfo(request, Schemas.GET_SCHEMAS_SCHEMA, descriptor);
  }

  @Override
  public void getStreamSchemas(CommandGetDbSchemas command, CallContext context, ServerStreamListener listener) {
    try {
      List<Object[]> rows = new ArrayList<>();
      for (String catalog : catalogs(command.hasCatalog() ? command.getCatalog() : null)) {
        String sql = "SELECT DISTINCT schema_name FROM information_schema.schemata"
            + " WHERE catalog_name = current_database() AND schema_name LIKE ? ORDER BY 1";
        String pattern = command.hasDbSchemaFilterPattern() ? command.getDbSchemaFilterPattern() : "%";
        for (List<String> r : strings(catalog, sql, List.of(pattern))) {
          rows.add(new Object[] {catalog, r.get(0)});
        }
      }
      send(Schemas.GET_SCHEMAS_SCHEMA, rows, listener);
    } catch (Exception e) {
      listener.error(status(e));
    }
  }

  @Override
  public FlightInfo getFlightInfoTables(CommandGetTables request, CallContext context, FlightDescriptor descriptor) {
    return metadataInfo(request,
        request.getIncludeSchema() ? Schemas.GET_TABLES_SCHEMA : Schemas.GET_TABLES_SCHEMA_NO_SCHEMA, descriptor);
  }

  @Override
  public void getStreamTables(CommandGetTables command, CallContext context, ServerStreamListener listener) {
    try {
      List<Object[]> rows = new ArrayList<>();
      for (String catalog : catalogs(command.hasCatalog() ? command.getCatalog() : null)) {
        String sql = "SELECT table_schema, table_name, table_type FROM information_schema.tables"
            + " WHERE table_catalog = current_database() AND table_schema LIKE ? AND table_name LIKE ?"
            + " ORDER BY 1, 2";
        List<Object> parameters = List.of(
            command.hasDbSchemaFilterPattern() ? command.getDbSchemaFilterPattern() : "%",
            command.hasTableNameFilterPattern() ? command.getTableNameFilterPattern() : "%");
        for (List<String> r : strings(catalog, sql, parameters)) {
          String type = "BASE TABLE".equals(r.get(2)) ? "TABLE" : r.get(2);
          if (command.getTableTypesCount() > 0 && !command.getTableTypesList().contains(type)) {
            continue;
          }
          if (command.getIncludeSchema()) {
            String name = quote(r.get(0)) + "." + quote(r.get(1));
            Schema schema;
            try (ArrowReader reader = backend.query(catalog, "SELECT * FROM " + name + " LIMIT 0", List.of())) {
              schema = reader.getVectorSchemaRoot().getSchema();
            }
            rows.add(new Object[] {catalog, r.get(0), r.get(1), type, SqlSchemas.toBytes(schema)});
          } else {
            rows.add(new Object[] {catalog, r.get(0), r.get(1), type});
          }
        }
      }
      send(command.getIncludeSchema() ? Schemas.GET_TABLES_SCHEMA : Schemas.GET_TABLES_SCHEMA_NO_SCHEMA,
          rows, listener);
    } catch (Exception e) {
      listener.error(status(e));
    }
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /** The SQL catalogs a metadata request covers: all of them, or the one it names. */
  private List<String> catalogs(String requested) {
    return backend.sqlCatalogs().stream().filter(c -> requested == null || requested.equals(c)).toList();
  }

  /** A small query's result as strings. */
  private List<List<String>> strings(String catalog, String sql, List<Object> parameters) throws Exception {
    List<List<String>> rows = new ArrayList<>();
    try (ArrowReader reader = backend.query(catalog, sql, parameters)) {
      VectorSchemaRoot root = reader.getVectorSchemaRoot();
      while (reader.loadNextBatch()) {
        for (int r = 0; r < root.getRowCount(); r++) {
          List<String> row = new ArrayList<>();
          for (FieldVector v : root.getFieldVectors()) {
            Object value = v.getObject(r);
            row.add(value == null ? null : value.toString());
          }
          rows.add(row);
        }
      }
    }
    return rows;
  }

  /** Sends rows of strings (and, for binary columns, byte arrays) in one batch of {@code schema}. */
  private void send(Schema schema, List<Object[]> rows, ServerStreamListener listener) {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
      root.allocateNew();
      for (int r = 0; r < rows.size(); r++) {
        for (int c = 0; c < schema.getFields().size(); c++) {
          Object value = rows.get(r)[c];
          FieldVector v = root.getVector(c);
          if (value == null) {
            continue;
          }
          if (v instanceof VarCharVector s) {
            s.setSafe(r, value.toString().getBytes(StandardCharsets.UTF_8));
          } else if (v instanceof VarBinaryVector b) {
            b.setSafe(r, (byte[]) value);
          }
        }
      }
      root.setRowCount(rows.size());
      listener.start(root);
      listener.putNext();
      listener.completed();
    } catch (RuntimeException e) {
      log.debug("metadata stream failed", e);
      listener.error(status(e));
    }
  }

  @Override
  public void close() {
    prepared.clear();
    pending.clear();
  }
}
