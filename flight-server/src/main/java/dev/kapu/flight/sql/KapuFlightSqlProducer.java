package dev.kapu.flight.sql;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.net.URI;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.AccessControl.Right;
import dev.kapu.flight.ErrorStatuses;
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
import org.apache.arrow.flight.sql.impl.FlightSql.ActionBeginSavepointRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionBeginSavepointResult;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionBeginTransactionRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionBeginTransactionResult;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionClosePreparedStatementRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionCreatePreparedStatementRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionCreatePreparedStatementResult;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionEndSavepointRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionEndTransactionRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetCatalogs;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetCrossReference;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetDbSchemas;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetExportedKeys;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetImportedKeys;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetPrimaryKeys;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetSqlInfo;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetTableTypes;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetTables;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandGetXdbcTypeInfo;
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
 *       clients that cannot reach daemons ({@link RelayedQueries}).
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
 * BoundParameters}), updates, and the
 * metadata calls ({@link FlightSqlMetadata}): GetSqlInfo, catalogs, schemas, tables, table types,
 * primary and foreign keys, XDBC type info. A ticket is good for one DoGet. A database error
 * reaches the client as a Flight status that says whose fault it is ({@link ErrorStatuses}),
 * carrying the database's message.
 *
 * <p>Transactions ({@link FlightSqlTransactions}): Flight SQL's BeginTransaction, EndTransaction
 * and savepoints, and BEGIN, COMMIT, ROLLBACK and SAVEPOINT sent as SQL ({@link
 * TransactionStatement}), which act on the client's session. A statement runs in the transaction
 * it names, else in its session's, on the connection the transaction holds; a query there runs
 * when asked for (its result waits on the daemon, relayed or not), in its place among the
 * transaction's statements.
 *
 * <p>{@code CancelFlightInfo} (and the older {@code CancelQuery}) stops a query that runs, waits
 * or streams, and so does a client dropping its {@code DoGet} (the JDBC driver's {@code
 * Statement.cancel()} and query timeout): its daemon cancels the database's work (DuckDB's
 * interrupt, PostgreSQL's cancel), before its first batch too, and a later DoGet of its ticket is
 * answered CANCELLED.
 */
public final class KapuFlightSqlProducer extends NoOpFlightSqlProducer {
  private static final Logger log = LoggerFactory.getLogger(KapuFlightSqlProducer.class);
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
  private final FlightSqlMetadata metadata;
  private final FlightSqlTransactions transactions;
  private final Map<ByteString, Prepared> prepared = new ConcurrentHashMap<>();
  private final RelayedQueries relayed;
  /** Direct: the tickets handed out, by ticket, and where each result waits. */
  private final Recent<SqlBackend.Parked> issued = new Recent<>();

  /** Where clients fetch results from. */
  public Delivery delivery() {
    return delivery;
  }

  /**
   * A prepared statement: whose, where and what (no parameters bound), and the parameters last
   * bound to it. It runs in the transaction it was prepared with ({@code transaction}), else in its
   * session's at the time.
   */
  private static final class Prepared {
    final SqlBackend.Statement statement;
    final SqlBackend.Description description;
    final ByteString transaction;
    /** Non-null for BEGIN, COMMIT, ...: run by {@link FlightSqlTransactions} when executed. */
    final TransactionStatement control;
    volatile BoundParameters parameters = BoundParameters.NONE;

    Prepared(SqlBackend.Statement statement, SqlBackend.Description description, ByteString transaction,
        TransactionStatement control) {
      this.statement = statement;
      this.description = description;
      this.transaction = transaction;
      this.control = control;
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

  /**
   * Where a statement runs: {@code backend} is the producer's own, or its view inside {@code
   * transaction} (null outside one).
   */
  private record Target(SqlBackend backend, String catalog, boolean readOnly, SqlBackend.Transaction transaction) {}

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
    this.metadata = new FlightSqlMetadata(backend, access, allocator, version);
    this.transactions = new FlightSqlTransactions(backend);
    this.relayed = new RelayedQueries(backend);
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

  /** What this call's client asks to run where {@code target} says, as its user, with its session's options. */
  private static SqlBackend.Statement statement(CallContext context, Target target, String sql) {
    return new SqlBackend.Statement(context.peerIdentity(), target.catalog(), sql, List.of(), target.readOnly(),
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
      transactions.sessionClosed(context); // rolls back the session's transactions
      sessions.closeSession();
    }
    listener.onNext(new CloseSessionResult(CloseSessionResult.Status.CLOSED));
    listener.onCompleted();
  }

  // ---- errors -------------------------------------------------------------------------------

  /** A Flight status for {@code e}: see {@link ErrorStatuses}. */
  public static FlightRuntimeException status(Throwable e) {
    return ErrorStatuses.of(e);
  }

  /** As {@link #status(Throwable)}; a statement refused because its user may only read names both. */
  public static FlightRuntimeException status(Throwable e, String user, String catalog) {
    return ErrorStatuses.of(e, user, catalog);
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

  private static SqlBackend.Description describe(Target target, SqlBackend.Statement statement) {
    try {
      return target.backend().describe(statement);
    } catch (Exception e) {
      throw status(e, statement.user(), statement.catalog());
    }
  }

  /**
   * Where a statement runs: in the transaction it names ({@code named}), else in its session's,
   * else on the session's catalog on its own.
   */
  private Target target(CallContext context, ByteString named) {
    SqlBackend.Transaction t;
    try {
      t = transactions.of(context, named);
    } catch (RuntimeException e) {
      throw status(e);
    }
    if (t == null) {
      return sessionTarget(context);
    }
    return new Target(backend.in(t), t.catalog(), t.readOnly(), t);
  }

  /** The session's catalog, outside any transaction. */
  private Target sessionTarget(CallContext context) {
    String catalog = catalog(context);
    return new Target(backend, catalog, readOnly(context, catalog), null);
  }

  /** Where a prepared statement runs; one prepared on another catalog than the transaction's is refused. */
  private Target target(CallContext context, Prepared p) {
    Target target = target(context, p.transaction);
    String catalog = p.statement.catalog();
    if (target.transaction() == null) {
      return new Target(backend, catalog, p.statement.readOnly(), null);
    }
    if (!target.catalog().equals(catalog)) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("this statement was prepared on catalog '" + catalog
          + "', and the transaction runs on '" + target.catalog() + "'").toRuntimeException();
    }
    return target;
  }

  /** The transaction statement {@code sql} is (BEGIN, COMMIT, ...), or null. */
  private static TransactionStatement control(String sql) {
    try {
      return TransactionStatement.parse(sql);
    } catch (IllegalArgumentException e) {
      throw status(e);
    }
  }

  /**
   * Inside a transaction, runs the query now, in its place among the transaction's statements,
   * and returns where its result waits; outside one, null: the query starts when its ticket is
   * issued (direct) or fetched (relay).
   */
  private static SqlBackend.Parked runInTransaction(Target target, SqlBackend.Statement statement, Schema schema) {
    if (target.transaction() == null) {
      return null;
    }
    try {
      return target.backend().park(statement, schema);
    } catch (Exception e) {
      throw status(e, statement.user(), statement.catalog());
    }
  }

  /**
   * A FlightInfo whose ticket fetches the statement's result. Direct: the query starts on a daemon
   * now (unless a transaction ran it) and the ticket is fetched from there, while it runs; relay:
   * it starts when the ticket is fetched from this server.
   */
  private FlightInfo ticketFor(Target target, SqlBackend.Statement statement, Schema schema,
      FlightDescriptor descriptor) {
    SqlBackend.Parked parked = runInTransaction(target, statement, schema);
    if (delivery == Delivery.RELAY) {
      return new FlightInfo(schema, descriptor, List.of(new FlightEndpoint(relayed.issue(statement, schema, parked))),
          -1, -1);
    }
    try {
      if (parked == null) {
        parked = backend.park(statement, schema);
      }
    } catch (Exception e) {
      throw status(e, statement.user(), statement.catalog());
    }
    issued.put(ByteString.copyFrom(parked.ticket()), parked);
    FlightEndpoint endpoint = new FlightEndpoint(new Ticket(parked.ticket()), new Location(URI.create(parked.location())));
    return new FlightInfo(schema, descriptor, List.of(endpoint), -1, -1);
  }

  @Override
  public FlightInfo getFlightInfoStatement(CommandStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    if (control(command.getQuery()) != null) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("not a query (it returns no rows): use an update").toRuntimeException();
    }
    Target target = target(context, command.getTransactionId());
    SqlBackend.Statement statement = statement(context, target, command.getQuery());
    SqlBackend.Description d = describe(target, statement);
    if (d.result() == null) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("not a query (it returns no rows): use an update").toRuntimeException();
    }
    return ticketFor(target, statement, d.result(), descriptor);
  }

  @Override
  public SchemaResult getSchemaStatement(CommandStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    if (control(command.getQuery()) != null) {
      return new SchemaResult(new Schema(List.of()));
    }
    Target target = target(context, command.getTransactionId());
    SqlBackend.Description d = describe(target, statement(context, target, command.getQuery()));
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
      TransactionStatement control = control(request.getQuery());
      Target target = control != null ? sessionTarget(context) : target(context, request.getTransactionId());
      SqlBackend.Statement statement = statement(context, target, request.getQuery());
      SqlBackend.Description d = control != null ? new SqlBackend.Description(null, new Schema(List.of()))
          : describe(target, statement);
      ByteString handle = ByteString.copyFromUtf8(UUID.randomUUID().toString());
      prepared.put(handle, new Prepared(statement, d, request.getTransactionId(), control));
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
    Target target = target(context, p);
    SqlBackend.Statement bound = p.bound();
    // Values bound as other types than announced (ADBC binds its own) may give the result other
    // types: the database describes it again with them, so that the schema announced is the one sent.
    Schema result = p.parameters.typedOtherThan(p.description.parameters())
        ? describe(target, bound).result()
        : p.description.result();
    return ticketFor(target, bound, result, descriptor);
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
    try {
      Target target = target(context, p);
      SqlBackend.Statement bound = p.bound();
      Schema result = p.description.result();
      relayed.stream(bound, result, runInTransaction(target, bound, result), listener);
    } catch (FlightRuntimeException e) {
      listener.error(e);
    }
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
        List<List<Object>> rows = BoundParameters.read(stream).rows();
        if (p.control != null) {
          transactions.execute(context, p.control, p.transaction, statement.catalog(), statement.readOnly());
          sendCount(0, ack);
          return;
        }
        access.check(statement.user(), statement.catalog(), Right.WRITE);
        Target target = writable(target(context, p));
        long count = 0;
        if (rows.isEmpty()) {
          count = target.backend().update(statement.catalog(), statement.sql(), List.of());
        }
        for (List<Object> row : rows) {
          count += target.backend().update(statement.catalog(), statement.sql(), row);
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
        TransactionStatement control = control(command.getQuery());
        if (control != null) {
          Target session = sessionTarget(context);
          transactions.execute(context, control, command.getTransactionId(), session.catalog(), session.readOnly());
          sendCount(0, ack);
          return;
        }
        Target target = target(context, command.getTransactionId());
        access.check(context.peerIdentity(), target.catalog(), Right.WRITE);
        sendCount(writable(target).backend().update(target.catalog(), command.getQuery(), List.of()), ack);
      } catch (Exception e) {
        ack.onError(status(e));
      }
    };
  }

  /** An update may not run in a READ ONLY transaction. */
  private static Target writable(Target target) {
    if (target.transaction() != null && target.transaction().readOnly()) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("transaction " + target.transaction().id() + " is READ ONLY:"
          + " it runs no updates").toRuntimeException();
    }
    return target;
  }

  private void sendCount(long count, StreamListener<PutResult> ack) {
    byte[] bytes = DoPutUpdateResult.newBuilder().setRecordCount(count).build().toByteArray();
    try (ArrowBuf buffer = allocator.buffer(bytes.length)) {
      buffer.writeBytes(bytes);
      ack.onNext(PutResult.metadata(buffer));
    }
    ack.onCompleted();
  }

  // ---- transactions -------------------------------------------------------------------------

  @Override
  public void beginTransaction(ActionBeginTransactionRequest request, CallContext context,
      StreamListener<ActionBeginTransactionResult> listener) {
    try {
      Target session = sessionTarget(context);
      transactions.begin(context, session.catalog(), session.readOnly(), listener);
    } catch (RuntimeException e) {
      listener.onError(status(e));
    }
  }

  @Override
  public void endTransaction(ActionEndTransactionRequest request, CallContext context, StreamListener<Result> listener) {
    transactions.end(request, context, listener);
  }

  @Override
  public void beginSavepoint(ActionBeginSavepointRequest request, CallContext context,
      StreamListener<ActionBeginSavepointResult> listener) {
    transactions.beginSavepoint(request, context, listener);
  }

  @Override
  public void endSavepoint(ActionEndSavepointRequest request, CallContext context, StreamListener<Result> listener) {
    transactions.endSavepoint(request, context, listener);
  }

  /** The open transaction {@code id} names, this call's user's: bulk ingest joins it on its daemon. */
  public SqlBackend.Transaction transaction(CallContext context, ByteString id) {
    return transactions.named(context, id);
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

  // ---- metadata (FlightSqlMetadata answers) -------------------------------------------------

  @Override
  public FlightInfo getFlightInfoSqlInfo(CommandGetSqlInfo request, CallContext context, FlightDescriptor descriptor) {
    return FlightSqlMetadata.flightInfo(request, Schemas.GET_SQL_INFO_SCHEMA, descriptor);
  }

  /** For the session's catalog, as this user may use it. */
  @Override
  public void getStreamSqlInfo(CommandGetSqlInfo command, CallContext context, ServerStreamListener listener) {
    FlightSqlMetadata.SessionCatalog session = sessionCatalog(context, listener);
    if (session != null) {
      metadata.sqlInfo(command, session, listener);
    }
  }

  /** The session's catalog and this user's right on it; null once {@code listener} has the refusal. */
  private FlightSqlMetadata.SessionCatalog sessionCatalog(CallContext context, ServerStreamListener listener) {
    try {
      String catalog = catalog(context);
      return new FlightSqlMetadata.SessionCatalog(catalog, readOnly(context, catalog));
    } catch (FlightRuntimeException e) {
      listener.error(e);
      return null;
    }
  }

  @Override
  public FlightInfo getFlightInfoCatalogs(CommandGetCatalogs request, CallContext context, FlightDescriptor descriptor) {
    return FlightSqlMetadata.flightInfo(request, Schemas.GET_CATALOGS_SCHEMA, descriptor);
  }

  @Override
  public void getStreamCatalogs(CallContext context, ServerStreamListener listener) {
    metadata.catalogs(visibleCatalogs(context), listener);
  }

  @Override
  public FlightInfo getFlightInfoTableTypes(CommandGetTableTypes request, CallContext context,
      FlightDescriptor descriptor) {
    return FlightSqlMetadata.flightInfo(request, Schemas.GET_TABLE_TYPES_SCHEMA, descriptor);
  }

  @Override
  public void getStreamTableTypes(CallContext context, ServerStreamListener listener) {
    metadata.tableTypes(listener);
  }

  @Override
  public FlightInfo getFlightInfoSchemas(CommandGetDbSchemas request, CallContext context, FlightDescriptor descriptor) {
    return FlightSqlMetadata.flightInfo(request, Schemas.GET_SCHEMAS_SCHEMA, descriptor);
  }

  @Override
  public void getStreamSchemas(CommandGetDbSchemas command, CallContext context, ServerStreamListener listener) {
    metadata.schemas(command, context.peerIdentity(), listener);
  }

  @Override
  public FlightInfo getFlightInfoTables(CommandGetTables request, CallContext context, FlightDescriptor descriptor) {
    return FlightSqlMetadata.flightInfo(request,
        request.getIncludeSchema() ? Schemas.GET_TABLES_SCHEMA : Schemas.GET_TABLES_SCHEMA_NO_SCHEMA, descriptor);
  }

  @Override
  public void getStreamTables(CommandGetTables command, CallContext context, ServerStreamListener listener) {
    metadata.tables(command, context.peerIdentity(), listener);
  }

  @Override
  public FlightInfo getFlightInfoPrimaryKeys(CommandGetPrimaryKeys request, CallContext context,
      FlightDescriptor descriptor) {
    return FlightSqlMetadata.flightInfo(request, Schemas.GET_PRIMARY_KEYS_SCHEMA, descriptor);
  }

  @Override
  public void getStreamPrimaryKeys(CommandGetPrimaryKeys command, CallContext context, ServerStreamListener listener) {
    metadata.primaryKeys(command, context.peerIdentity(), listener);
  }

  @Override
  public FlightInfo getFlightInfoImportedKeys(CommandGetImportedKeys request, CallContext context,
      FlightDescriptor descriptor) {
    return FlightSqlMetadata.flightInfo(request, Schemas.GET_IMPORTED_KEYS_SCHEMA, descriptor);
  }

  @Override
  public void getStreamImportedKeys(CommandGetImportedKeys command, CallContext context,
      ServerStreamListener listener) {
    metadata.importedKeys(command, context.peerIdentity(), listener);
  }

  @Override
  public FlightInfo getFlightInfoExportedKeys(CommandGetExportedKeys request, CallContext context,
      FlightDescriptor descriptor) {
    return FlightSqlMetadata.flightInfo(request, Schemas.GET_EXPORTED_KEYS_SCHEMA, descriptor);
  }

  @Override
  public void getStreamExportedKeys(CommandGetExportedKeys command, CallContext context,
      ServerStreamListener listener) {
    metadata.exportedKeys(command, context.peerIdentity(), listener);
  }

  @Override
  public FlightInfo getFlightInfoCrossReference(CommandGetCrossReference request, CallContext context,
      FlightDescriptor descriptor) {
    return FlightSqlMetadata.flightInfo(request, Schemas.GET_CROSS_REFERENCE_SCHEMA, descriptor);
  }

  @Override
  public void getStreamCrossReference(CommandGetCrossReference command, CallContext context,
      ServerStreamListener listener) {
    metadata.crossReference(command, context.peerIdentity(), listener);
  }

  @Override
  public FlightInfo getFlightInfoTypeInfo(CommandGetXdbcTypeInfo request, CallContext context,
      FlightDescriptor descriptor) {
    return FlightSqlMetadata.flightInfo(request, Schemas.GET_TYPE_INFO_SCHEMA, descriptor);
  }

  /** The types of the session's catalog. */
  @Override
  public void getStreamTypeInfo(CommandGetXdbcTypeInfo command, CallContext context, ServerStreamListener listener) {
    FlightSqlMetadata.SessionCatalog session = sessionCatalog(context, listener);
    if (session != null) {
      metadata.typeInfo(command, session, listener);
    }
  }

  @Override
  public void close() {
    prepared.clear();
    relayed.close();
    issued.clear();
  }
}
