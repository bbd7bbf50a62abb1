package dev.kapu.flight.sql;

import com.google.protobuf.ByteString;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.ErrorStatuses;
import org.apache.arrow.flight.CancelFlightInfoRequest;
import org.apache.arrow.flight.CancelStatus;
import org.apache.arrow.flight.CloseSessionRequest;
import org.apache.arrow.flight.CloseSessionResult;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.GetSessionOptionsRequest;
import org.apache.arrow.flight.GetSessionOptionsResult;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.SetSessionOptionsRequest;
import org.apache.arrow.flight.SetSessionOptionsResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.CancelResult;
import org.apache.arrow.flight.sql.FlightSqlProducer.Schemas;
import org.apache.arrow.flight.sql.NoOpFlightSqlProducer;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionBeginSavepointRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionBeginSavepointResult;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionBeginTransactionRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionBeginTransactionResult;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionClosePreparedStatementRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionCreatePreparedStatementRequest;
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
import org.apache.arrow.flight.sql.impl.FlightSql.TicketStatementQuery;
import org.apache.arrow.memory.BufferAllocator;

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
 *
 * <p>This class is the one {@code FlightSqlProducer}; its overrides hand each call to the class whose
 * job it is: {@link FlightSqlSessions} (session options, the session's catalog), {@link
 * StatementRouting} (where a statement runs), {@link AdHocStatements} and {@link
 * PreparedStatements} (the statement commands; {@link SqlUpdates} runs their updates), {@link
 * ResultTickets} (the tickets that fetch results, and cancels), {@link FlightSqlTransactions} and
 * {@link FlightSqlMetadata}.
 */
public final class KapuFlightSqlProducer extends NoOpFlightSqlProducer {
  /** Where clients fetch query results from. */
  public enum Delivery {
    /** From the daemon that ran the query (the endpoint's location). */
    DIRECT,
    /** From this server, which passes the daemon's batches on. */
    RELAY
  }

  private final Delivery delivery;
  private final FlightSqlMetadata metadata;
  private final FlightSqlTransactions transactions;
  private final FlightSqlSessions sessions;
  private final ResultTickets tickets;
  private final AdHocStatements statements;
  private final PreparedStatements prepared;

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
    this.delivery = delivery;
    this.metadata = new FlightSqlMetadata(backend, access, allocator, version);
    this.transactions = new FlightSqlTransactions(backend);
    this.sessions = new FlightSqlSessions(backend, access, transactions);
    this.tickets = new ResultTickets(backend, delivery);
    StatementRouting routing = new StatementRouting(backend, sessions, transactions);
    SqlUpdates updates = new SqlUpdates(allocator, transactions);
    this.statements = new AdHocStatements(access, routing, tickets, updates);
    this.prepared = new PreparedStatements(access, routing, tickets, updates);
  }

  /** Where clients fetch results from. */
  public Delivery delivery() {
    return delivery;
  }

  /** The catalog this client's session chose with the session option {@code catalog}; null if none. */
  public static String sessionCatalog(CallContext context) {
    return FlightSqlSessions.chosenCatalog(context);
  }

  /** A Flight status for {@code e}: see {@link ErrorStatuses}. */
  public static FlightRuntimeException status(Throwable e) {
    return ErrorStatuses.of(e);
  }

  /** As {@link #status(Throwable)}; a statement refused because its user may only read names both. */
  public static FlightRuntimeException status(Throwable e, String user, String catalog) {
    return ErrorStatuses.of(e, user, catalog);
  }

  /** Whether {@code ticket} is one this server handed out to be fetched from a daemon (direct endpoints). */
  public boolean handedOutForADaemon(Ticket ticket) {
    return tickets.handedOutForADaemon(ticket);
  }

  /** The open transaction {@code id} names, this call's user's: bulk ingest joins it on its daemon. */
  public SqlBackend.Transaction transaction(CallContext context, ByteString id) {
    return transactions.named(context, id);
  }

  // ---- sessions (FlightSqlSessions) ---------------------------------------------------------

  @Override
  public void setSessionOptions(SetSessionOptionsRequest request, CallContext context,
      StreamListener<SetSessionOptionsResult> listener) {
    sessions.setOptions(request, context, listener);
  }

  @Override
  public void getSessionOptions(GetSessionOptionsRequest request, CallContext context,
      StreamListener<GetSessionOptionsResult> listener) {
    FlightSqlSessions.getOptions(context, listener);
  }

  @Override
  public void closeSession(CloseSessionRequest request, CallContext context,
      StreamListener<CloseSessionResult> listener) {
    sessions.close(context, listener);
  }

  // ---- statements (AdHocStatements, PreparedStatements, ResultTickets) ----------------------

  /**
   * A ticket handed out for a daemon, or one that is not a Flight SQL command, is refused with
   * why ({@link ResultTickets#whyNotServedHere}).
   */
  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    FlightRuntimeException refused = tickets.whyNotServedHere(ticket);
    if (refused != null) {
      listener.error(refused);
      return;
    }
    super.getStream(context, ticket, listener);
  }

  @Override
  public FlightInfo getFlightInfoStatement(CommandStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    return statements.flightInfo(command, context, descriptor);
  }

  @Override
  public SchemaResult getSchemaStatement(CommandStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    return statements.schema(command, context);
  }

  @Override
  public void getStreamStatement(TicketStatementQuery ticket, CallContext context, ServerStreamListener listener) {
    tickets.stream(ticket, context, listener);
  }

  @Override
  public Runnable acceptPutStatement(CommandStatementUpdate command, CallContext context, FlightStream stream,
      StreamListener<PutResult> ack) {
    return statements.update(command, context, ack);
  }

  @Override
  public void createPreparedStatement(ActionCreatePreparedStatementRequest request, CallContext context,
      StreamListener<Result> listener) {
    prepared.create(request, context, listener);
  }

  @Override
  public void closePreparedStatement(ActionClosePreparedStatementRequest request, CallContext context,
      StreamListener<Result> listener) {
    prepared.close(request, context, listener);
  }

  @Override
  public FlightInfo getFlightInfoPreparedStatement(CommandPreparedStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    return prepared.flightInfo(command, context, descriptor);
  }

  @Override
  public SchemaResult getSchemaPreparedStatement(CommandPreparedStatementQuery command, CallContext context,
      FlightDescriptor descriptor) {
    return prepared.schema(command, context);
  }

  @Override
  public void getStreamPreparedStatement(CommandPreparedStatementQuery command, CallContext context,
      ServerStreamListener listener) {
    prepared.stream(command, context, listener);
  }

  @Override
  public Runnable acceptPutPreparedStatementQuery(CommandPreparedStatementQuery command, CallContext context,
      FlightStream stream, StreamListener<PutResult> ack) {
    return prepared.bind(command, context, stream, ack);
  }

  @Override
  public Runnable acceptPutPreparedStatementUpdate(CommandPreparedStatementUpdate command, CallContext context,
      FlightStream stream, StreamListener<PutResult> ack) {
    return prepared.update(command, context, stream, ack);
  }

  // ---- transactions (FlightSqlTransactions) -------------------------------------------------

  @Override
  public void beginTransaction(ActionBeginTransactionRequest request, CallContext context,
      StreamListener<ActionBeginTransactionResult> listener) {
    sessions.beginTransaction(context, listener);
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

  // ---- cancellation (ResultTickets) ---------------------------------------------------------

  @Override
  public void cancelFlightInfo(CancelFlightInfoRequest request, CallContext context,
      StreamListener<CancelStatus> listener) {
    tickets.cancelFlightInfo(request, listener);
  }

  @Override
  @SuppressWarnings("deprecation") // the action older clients (and the JDBC driver's helpers) still send
  public void cancelQuery(FlightInfo info, CallContext context, StreamListener<CancelResult> listener) {
    tickets.cancelQuery(info, listener);
  }

  // ---- metadata (FlightSqlMetadata answers) -------------------------------------------------

  @Override
  public FlightInfo getFlightInfoSqlInfo(CommandGetSqlInfo request, CallContext context, FlightDescriptor descriptor) {
    return FlightSqlMetadata.flightInfo(request, Schemas.GET_SQL_INFO_SCHEMA, descriptor);
  }

  /** For the session's catalog, as this user may use it. */
  @Override
  public void getStreamSqlInfo(CommandGetSqlInfo command, CallContext context, ServerStreamListener listener) {
    FlightSqlMetadata.SessionCatalog session = sessions.catalog(context, listener);
    if (session != null) {
      metadata.sqlInfo(command, session, listener);
    }
  }

  @Override
  public FlightInfo getFlightInfoCatalogs(CommandGetCatalogs request, CallContext context, FlightDescriptor descriptor) {
    return FlightSqlMetadata.flightInfo(request, Schemas.GET_CATALOGS_SCHEMA, descriptor);
  }

  @Override
  public void getStreamCatalogs(CallContext context, ServerStreamListener listener) {
    metadata.catalogs(sessions.visibleCatalogs(context), listener);
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
    FlightSqlMetadata.SessionCatalog session = sessions.catalog(context, listener);
    if (session != null) {
      metadata.typeInfo(command, session, listener);
    }
  }

  @Override
  public void close() {
    prepared.close();
    tickets.close();
  }
}
