package dev.kapu.flight.sql;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.AccessControl.Right;
import dev.kapu.flight.KapuServer;
import dev.kapu.flight.internal.Recent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.CancelFlightInfoRequest;
import org.apache.arrow.flight.CancelStatus;
import org.apache.arrow.flight.CloseSessionRequest;
import org.apache.arrow.flight.CloseSessionResult;
import org.apache.arrow.flight.GetSessionOptionsRequest;
import org.apache.arrow.flight.GetSessionOptionsResult;
import org.apache.arrow.flight.ServerSessionMiddleware;
import org.apache.arrow.flight.SessionOptionValue;
import org.apache.arrow.flight.SetSessionOptionsRequest;
import org.apache.arrow.flight.SetSessionOptionsResult;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.CancelResult;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flight SQL over hosted resources: a resource is a catalog, and statements run on daemons through
 * a {@link SqlBackend}. Query results reach clients one of two ways ({@link Delivery}):
 *
 * <ul>
 *   <li>{@link Delivery#DIRECT} (the default): {@code GetFlightInfo} starts the query on a daemon
 *       and returns at once; the {@code FlightInfo}'s endpoint names that daemon's own Flight URL
 *       and its one-time ticket, and the client fetches the batches from there, its {@code DoGet}
 *       waiting for the first. The ticket is the capability: the daemon needs no credentials for
 *       that {@code DoGet} (it knows no passwords), so it goes only to a client this server
 *       authenticated, and is random, good for one fetch and dropped within minutes. Daemons'
 *       endpoints are plaintext, so serve {@link Delivery#RELAY} over TLS.
 *   <li>{@link Delivery#RELAY}: the endpoint carries no location, so clients fetch from this
 *       server, which starts the query at {@code DoGet} and passes the daemon's batches on; for
 *       clients that cannot reach daemons.
 * </ul>
 *
 * <p>A client chooses its catalog with the session option {@code catalog} (the Flight SQL JDBC
 * driver's {@code catalog} property); without one, statements run on the first catalog its user
 * may use. Dictionary-encoded columns reach clients as their values unless the session option
 * {@value SqlSessionOptions#KEEP_DICTIONARIES} keeps them ({@link SqlSessionOptions}).
 *
 * <p>An {@link AccessControl} decides what each user may do: a catalog its user holds no right on
 * is neither listed nor choosable, as an unknown one; a user who may only read is refused updates
 * (UNAUTHORIZED, gRPC's PERMISSION_DENIED) and their statements run read-only on the daemons.
 *
 * <p>Statement queries, prepared statements (with parameters bound by DoPut: {@link
 * BoundParameters}), updates, GetSqlInfo, catalogs, schemas, tables and table types. A ticket is
 * good for one DoGet. A database error reaches the client as a Flight status carrying the
 * database's message.
 *
 * <p>{@code CancelFlightInfo} (and the older {@code CancelQuery}) stops a query that runs, waits
 * or streams, and so does a client dropping its {@code DoGet} (the JDBC driver's {@code
 * Statement.cancel()} and query timeout): its daemon cancels the database's work (DuckDB's
 * interrupt, PostgreSQL's cancel), before its first batch too, and a later DoGet of its ticket is
 * answered CANCELLED.
 */
public final class KapuFlightSqlProducer extends NoOpFlightSqlProducer {
  private static final Logger log = LoggerFactory.getLogger(KapuFlightSqlProducer.class);
  private static final List<String> TABLE_TYPES = List.of("LOCAL TEMPORARY", "TABLE", "VIEW");

  /** Where clients fetch query results from. */
  public enum Delivery {
    /** From the daemon that ran the query (the endpoint's location). */
    DIRECT,
    /** From this server, which passes the daemon's batches on. */
    RELAY
  }

  private final SqlBackend backend;
  private final AccessControl access;
  private final BufferAllocator allocator;
  private final Delivery delivery;
  private final SqlInfoBuilder sqlInfo;
  private final Map<ByteString, Prepared> prepared = new ConcurrentHashMap<>();
  private final RelayedQueries relayed;
  /** Direct: the tickets handed out, by ticket, and where each result waits. */
  private final Recent<SqlBackend.Parked> issued = new Recent<>();

  /** Where clients fetch results from. */
  public Delivery delivery() {
    return delivery;
  }

  /** A prepared statement: whose, where and what (no parameters bound), and the parameters last bound to it. */
  private static final class Prepared {
    final SqlBackend.Statement statement;
    final SqlBackend.Description description;
    volatile BoundParameters parameters = BoundParameters.NONE;

    Prepared(SqlBackend.Statement statement, SqlBackend.Description description) {
      this.statement = statement;
      this.description = description;
    }

    String user() {
      return statement.user();
    }

    /** The statement with the first row bound (Flight SQL queries take one). */
    SqlBackend.Statement bound() {
      return withParameters(statement, parameters.first());
    }
  }

  private static SqlBackend.Statement withParameters(SqlBackend.Statement s, List<Object> parameters) {
    return new SqlBackend.Statement(s.user(), s.catalog(), s.sql(), parameters, s.readOnly(), s.keepDictionaries());
  }

  /** Every authenticated user may do everything; clients fetch results straight from daemons. */
  public KapuFlightSqlProducer(SqlBackend backend, BufferAllocator allocator, String version) {
    this(backend, AccessControl.allowAll(), allocator, version, Delivery.DIRECT);
  }

  /**
   * Each user may use the catalogs {@code access} gives them a right on, as far as that right
   * goes; {@code delivery} says where clients fetch results from.
   */
  public KapuFlightSqlProducer(SqlBackend backend, AccessControl access, BufferAllocator allocator, String version,
      Delivery delivery) {
    this.backend = backend;
    this.access = access;
    this.allocator = allocator;
    this.delivery = delivery;
    this.relayed = new RelayedQueries(backend);
    this.sqlInfo = new SqlInfoBuilder()
        .withFlightSqlServerName("Kapu")
        .withFlightSqlServerVersion(version)
        .withFlightSqlServerArrowVersion("18.3.0")
        .withFlightSqlServerReadOnly(false)
        .withFlightSqlServerSql(true)
        .withFlightSqlServerSubstrait(false)
        .withFlightSqlServerTransaction(
            org.apache.arrow.flight.sql.impl.FlightSql.SqlSupportedTransaction.SQL_SUPPORTED_TRANSACTION_NONE)
        .withFlightSqlServerCancel(true)
        .withSqlIdentifierQuoteChar("\"")
        .withSqlDdlCatalog(false)
        .withSqlDdlSchema(true)
        .withSqlDdlTable(true)
        .withFlightSqlServerBulkIngestion(true) // CommandStatementIngest, served by KapuFlightProducer
        .withFlightSqlServerBulkIngestionTransaction(false);
  }

  /** The catalogs this call's user may see, the default first. */
  private List<String> visibleCatalogs(CallContext context) {
    return access.visible(context.peerIdentity(), backend.catalogs());
  }

  /** The catalog this client's session chose (session option {@code catalog}), else the user's default. */
  private String catalog(CallContext context) {
    String chosen = sessionCatalog(context);
    if (chosen != null) {
      return chosen;
    }
    List<String> visible = visibleCatalogs(context);
    if (visible.isEmpty()) {
      throw CallStatus.NOT_FOUND.withDescription("user '" + context.peerIdentity() + "' may use no catalog")
          .toRuntimeException();
    }
    return visible.get(0);
  }

  /** The catalog this client's session chose with the session option {@code catalog}; null if none. */
  public static String sessionCatalog(CallContext context) {
    return SqlSessionOptions.get(context, SqlSessionOptions.CATALOG);
  }

  /** What this call's client asks to run, as its user, on its catalog, with its session's options. */
  private SqlBackend.Statement statement(CallContext context, String sql) {
    String catalog = catalog(context);
    return new SqlBackend.Statement(context.peerIdentity(), catalog, sql, List.of(), readOnly(context, catalog),
        SqlSessionOptions.keepDictionaries(context));
  }

  /** Whether this call's user may only read {@code catalog}; NOT_FOUND if they may not even read it. */
  private boolean readOnly(CallContext context, String catalog) {
    access.check(context.peerIdentity(), catalog, Right.READ);
    return !access.right(context.peerIdentity(), catalog).covers(Right.WRITE);
  }

  // ---- sessions -----------------------------------------------------------------------------

  @Override
  public void setSessionOptions(SetSessionOptionsRequest request, CallContext context,
      StreamListener<SetSessionOptionsResult> listener) {
    try {
      listener.onNext(SqlSessionOptions.apply(request, context, visibleCatalogs(context)));
      listener.onCompleted();
    } catch (FlightRuntimeException e) {
      log.info("refused session options {} to user '{}': {}", request.getSessionOptions().keySet(),
          context.peerIdentity(), e.getMessage());
      listener.onError(e);
    }
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

  /** As {@link #status(Throwable)}; a statement refused because its user may only read names both. */
  public static FlightRuntimeException status(Throwable e, String user, String catalog) {
    if (e instanceof SecurityException) {
      return CallStatus.UNAUTHORIZED
          .withDescription("user '" + user + "' may only read '" + catalog + "': " + e.getMessage())
          .withCause(e).toRuntimeException();
    }
    return status(e);
  }

  // ---- statements ---------------------------------------------------------------------------

  /** Whether {@code ticket} is one this server handed out to be fetched from a daemon (direct endpoints). */
  public boolean handedOutForADaemon(Ticket ticket) {
    return issued.get(ByteString.copyFrom(ticket.getBytes())) != null;
  }

  /** A ticket that is not a Flight SQL command is the client's mistake: INVALID_ARGUMENT, not INTERNAL. */
  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    SqlBackend.Parked parked = issued.get(ByteString.copyFrom(ticket.getBytes()));
    if (parked != null) {
      listener.error(CallStatus.INVALID_ARGUMENT.withDescription("this ticket is fetched from its endpoint's"
          + " location, " + parked.location() + " (the daemon that holds the result), not from this server;"
          + " clients that cannot reach daemons need a server that relays results").toRuntimeException());
      return;
    }
    try {
      Any.parseFrom(ticket.getBytes());
    } catch (InvalidProtocolBufferException e) {
      listener.error(CallStatus.INVALID_ARGUMENT.withDescription("malformed ticket: not a Flight SQL ticket")
          .toRuntimeException());
      return;
    }
    super.getStream(context, ticket, listener);
  }

  private SqlBackend.Description describe(SqlBackend.Statement statement) {
    try {
      return backend.describe(statement);
    } catch (Exception e) {
      throw status(e, statement.user(), statement.catalog());
    }
  }

  /**
   * A FlightInfo whose ticket fetches the statement's result. Direct: the query starts on a daemon
   * now and the ticket is fetched from there, while it runs; relay: it starts when the ticket is
   * fetched from this server.
   */
  private FlightInfo ticketFor(SqlBackend.Statement statement, Schema schema, FlightDescriptor descriptor) {
    if (delivery == Delivery.DIRECT) {
      SqlBackend.Parked parked;
      try {
        parked = backend.park(statement, schema);
      } catch (Exception e) {
        throw status(e, statement.user(), statement.catalog());
      }
      issued.put(ByteString.copyFrom(parked.ticket()), parked);
      FlightEndpoint endpoint = new FlightEndpoint(new Ticket(parked.ticket()), new Location(URI.create(parked.location())));
      return new FlightInfo(schema, descriptor, List.of(endpoint), -1, -1);
    }
    return new FlightInfo(schema, descriptor, List.of(new FlightEndpoint(relayed.issue(statement, schema))), -1, -1);
  }

  @Override
  public FlightInfo getFlightInfoStatement(CommandStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    SqlBackend.Statement statement = statement(context, command.getQuery());
    SqlBackend.Description d = describe(statement);
    if (d.result() == null) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("not a query (it returns no rows): use an update").toRuntimeException();
    }
    return ticketFor(statement, d.result(), descriptor);
  }

  @Override
  public SchemaResult getSchemaStatement(CommandStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    SqlBackend.Description d = describe(statement(context, command.getQuery()));
    return new SchemaResult(d.result() != null ? d.result() : new Schema(List.of()));
  }

  @Override
  public void getStreamStatement(TicketStatementQuery ticket, CallContext context, ServerStreamListener listener) {
    relayed.stream(ticket.getStatementHandle(), context.peerIdentity(), listener);
  }

  @Override
  public void createPreparedStatement(ActionCreatePreparedStatementRequest request, CallContext context,
      StreamListener<Result> listener) {
    try {
      SqlBackend.Statement statement = statement(context, request.getQuery());
      SqlBackend.Description d = describe(statement);
      ByteString handle = ByteString.copyFromUtf8(UUID.randomUUID().toString());
      prepared.put(handle, new Prepared(statement, d));
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
    prepared.computeIfPresent(request.getPreparedStatementHandle(),
        (handle, p) -> p.user().equals(context.peerIdentity()) ? null : p);
    listener.onCompleted();
  }

  /** This user's prepared statement; another user's is as unknown as one that never was. */
  private Prepared lookup(ByteString handle, CallContext context) {
    Prepared p = prepared.get(handle);
    if (p == null || !p.user().equals(context.peerIdentity())) {
      throw CallStatus.NOT_FOUND.withDescription("unknown prepared statement handle").toRuntimeException();
    }
    return p;
  }

  @Override
  public FlightInfo getFlightInfoPreparedStatement(CommandPreparedStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    Prepared p = lookup(command.getPreparedStatementHandle(), context);
    if (p.description.result() == null) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("not a query (it returns no rows): use an update").toRuntimeException();
    }
    SqlBackend.Statement bound = p.bound();
    // Values bound as other types than announced (ADBC binds its own) may give the result other
    // types: the database describes it again with them, so that the schema announced is the one sent.
    Schema result = p.parameters.typedOtherThan(p.description.parameters())
        ? describe(bound).result()
        : p.description.result();
    return ticketFor(bound, result, descriptor);
  }

  @Override
  public SchemaResult getSchemaPreparedStatement(CommandPreparedStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    Prepared p = lookup(command.getPreparedStatementHandle(), context);
    return new SchemaResult(p.description.result() != null ? p.description.result() : new Schema(List.of()));
  }

  @Override
  public void getStreamPreparedStatement(CommandPreparedStatementQuery command, CallContext context,
      ServerStreamListener listener) {
    Prepared p;
    try {
      p = lookup(command.getPreparedStatementHandle(), context);
    } catch (FlightRuntimeException e) {
      listener.error(e);
      return;
    }
    relayed.stream(p.bound(), p.description.result(), listener);
  }

  @Override
  public Runnable acceptPutPreparedStatementQuery(CommandPreparedStatementQuery command, CallContext context,
      FlightStream stream, StreamListener<PutResult> ack) {
    return () -> {
      try {
        Prepared p = lookup(command.getPreparedStatementHandle(), context);
        p.parameters = BoundParameters.read(stream);
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
        Prepared p = lookup(command.getPreparedStatementHandle(), context);
        SqlBackend.Statement statement = p.statement;
        access.check(statement.user(), statement.catalog(), Right.WRITE);
        List<List<Object>> rows = BoundParameters.read(stream).rows();
        long count = 0;
        if (rows.isEmpty()) {
          count = backend.update(statement.catalog(), statement.sql(), List.of());
        }
        for (List<Object> row : rows) {
          count += backend.update(statement.catalog(), statement.sql(), row);
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
        String catalog = catalog(context);
        access.check(context.peerIdentity(), catalog, Right.WRITE);
        sendCount(backend.update(catalog, command.getQuery(), List.of()), ack);
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

  // ---- cancellation -------------------------------------------------------------------------

  @Override
  public void cancelFlightInfo(CancelFlightInfoRequest request, CallContext context,
      StreamListener<CancelStatus> listener) {
    try {
      listener.onNext(cancel(request.getInfo()));
      listener.onCompleted();
    } catch (Exception e) {
      listener.onError(status(e));
    }
  }

  @Override
  @SuppressWarnings("deprecation") // the action older clients (and the JDBC driver's helpers) still send
  public void cancelQuery(FlightInfo info, CallContext context, StreamListener<CancelResult> listener) {
    try {
      listener.onNext(cancel(info) == CancelStatus.CANCELLED ? CancelResult.CANCELLED : CancelResult.NOT_CANCELLABLE);
      listener.onCompleted();
    } catch (Exception e) {
      listener.onError(status(e));
    }
  }

  /**
   * Stops the queries behind a {@code FlightInfo} this server handed out, found by their tickets
   * (never by the locations the request names: those come from the client). CANCELLED if one was
   * waiting or streaming; NOT_CANCELLABLE if they had finished, or were never issued here.
   */
  private CancelStatus cancel(FlightInfo info) throws Exception {
    CancelStatus result = CancelStatus.NOT_CANCELLABLE;
    for (FlightEndpoint endpoint : info.getEndpoints()) {
      byte[] ticket = endpoint.getTicket().getBytes();
      SqlBackend.Parked parked = issued.get(ByteString.copyFrom(ticket));
      boolean stopped = parked != null ? backend.cancel(parked) : relayed.cancel(ticket);
      if (stopped) {
        result = CancelStatus.CANCELLED;
      }
    }
    return result;
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
    visibleCatalogs(context).stream().sorted().forEach(c -> rows.add(new Object[] {c}));
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
      for (String catalog : catalogs(context, command.hasCatalog() ? command.getCatalog() : null)) {
        String sql = "SELECT DISTINCT schema_name FROM information_schema.schemata"
            + " WHERE catalog_name = current_database() AND schema_name LIKE ? ORDER BY 1";
        String pattern = command.hasDbSchemaFilterPattern() ? command.getDbSchemaFilterPattern() : "%";
        for (List<String> r : strings(catalog, sql, List.of(pattern), readOnly(context, catalog))) {
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
      for (String catalog : catalogs(context, command.hasCatalog() ? command.getCatalog() : null)) {
        String sql = "SELECT table_schema, table_name, table_type FROM information_schema.tables"
            + " WHERE table_catalog = current_database() AND table_schema LIKE ? AND table_name LIKE ?"
            + " ORDER BY 1, 2";
        List<Object> parameters = List.of(
            command.hasDbSchemaFilterPattern() ? command.getDbSchemaFilterPattern() : "%",
            command.hasTableNameFilterPattern() ? command.getTableNameFilterPattern() : "%");
        boolean readOnly = readOnly(context, catalog);
        for (List<String> r : strings(catalog, sql, parameters, readOnly)) {
          String type = "BASE TABLE".equals(r.get(2)) ? "TABLE" : r.get(2);
          if (command.getTableTypesCount() > 0 && !command.getTableTypesList().contains(type)) {
            continue;
          }
          if (command.getIncludeSchema()) {
            String name = quote(r.get(0)) + "." + quote(r.get(1));
            Schema schema;
            try (ArrowReader reader = backend.query(catalog, "SELECT * FROM " + name + " LIMIT 0", List.of(), readOnly)) {
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

  /** The SQL catalogs a metadata request covers: those its user sees, all or the one it names. */
  private List<String> catalogs(CallContext context, String requested) {
    return access.visible(context.peerIdentity(), backend.sqlCatalogs()).stream()
        .filter(c -> requested == null || requested.equals(c)).toList();
  }

  /** A small query's result as strings. */
  private List<List<String>> strings(String catalog, String sql, List<Object> parameters, boolean readOnly)
      throws Exception {
    List<List<String>> rows = new ArrayList<>();
    try (ArrowReader reader = backend.query(catalog, sql, parameters, readOnly)) {
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
    relayed.close();
    issued.clear();
  }
}
