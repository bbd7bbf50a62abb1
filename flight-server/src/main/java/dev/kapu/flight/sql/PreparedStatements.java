package dev.kapu.flight.sql;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.kapu.api.AccessRight;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.ErrorStatuses;
import dev.kapu.flight.status.ClientSessions;
import dev.kapu.flight.status.StatementRun;
import dev.kapu.flight.sql.StatementRouting.Target;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.FlightProducer.StreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionClosePreparedStatementRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionCreatePreparedStatementRequest;
import org.apache.arrow.flight.sql.impl.FlightSql.ActionCreatePreparedStatementResult;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandPreparedStatementQuery;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandPreparedStatementUpdate;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Flight SQL's prepared statements: created (described by the database, or recognised as BEGIN,
 * COMMIT, ...), kept by handle for the user who prepared them (another user's handle is as unknown
 * as one that never was), given parameters by DoPut ({@link BoundParameters}), run as queries or
 * updates, and closed. A prepared statement runs in the transaction it was prepared with, else in
 * its session's at the time ({@link StatementRouting}).
 */
final class PreparedStatements implements AutoCloseable {
  private final AccessControl access;
  private final StatementRouting routing;
  private final ResultTickets tickets;
  private final SqlUpdates updates;
  private final Map<ByteString, Prepared> prepared = new ConcurrentHashMap<>();

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

  PreparedStatements(AccessControl access, StatementRouting routing, ResultTickets tickets, SqlUpdates updates) {
    this.access = access;
    this.routing = routing;
    this.tickets = tickets;
    this.updates = updates;
  }

  void create(ActionCreatePreparedStatementRequest request, CallContext context, StreamListener<Result> listener) {
    String catalog = "";
    try {
      TransactionStatement control = StatementRouting.control(request.getQuery());
      Target target = control != null ? routing.sessionTarget(context)
          : routing.target(context, request.getTransactionId());
      catalog = target.catalog();
      SqlBackend.Statement statement = target.statement(context, request.getQuery());
      SqlBackend.Description d = control != null ? new SqlBackend.Description(null, new Schema(List.of()))
          : target.describe(statement);
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
      // a statement the database refuses to prepare never runs: its audit line is written here
      FlightRuntimeException status = ErrorStatuses.of(e);
      ClientSessions.begin(context, catalog, request.getQuery()).failed(status);
      listener.onError(status);
    }
  }

  void close(ActionClosePreparedStatementRequest request, CallContext context, StreamListener<Result> listener) {
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

  /** Where a prepared statement runs (see {@link StatementRouting#target(CallContext, SqlBackend.Statement, ByteString)}). */
  private Target target(CallContext context, Prepared p) {
    return routing.target(context, p.statement, p.transaction);
  }

  FlightInfo flightInfo(CommandPreparedStatementQuery command, CallContext context, FlightDescriptor descriptor) {
    Prepared p = lookup(command.getPreparedStatementHandle(), context);
    StatementRun run = ClientSessions.begin(context, p.statement.catalog(), p.statement.sql());
    try {
      if (p.description.result() == null) {
        throw CallStatus.INVALID_ARGUMENT.withDescription("not a query (it returns no rows): use an update").toRuntimeException();
      }
      Target target = target(context, p);
      run.at(target.catalog());
      SqlBackend.Statement bound = p.bound();
      // Values bound as other types than announced (ADBC binds its own) may give the result other
      // types: the database describes it again with them, so that the schema announced is the one sent.
      Schema result = p.parameters.typedOtherThan(p.description.parameters())
          ? target.describe(bound).result()
          : p.description.result();
      return tickets.ticketFor(target, bound, result, descriptor, run);
    } catch (RuntimeException e) {
      FlightRuntimeException status = ErrorStatuses.of(e);
      run.failed(status);
      throw status;
    }
  }

  SchemaResult schema(CommandPreparedStatementQuery command, CallContext context) {
    Prepared p = lookup(command.getPreparedStatementHandle(), context);
    return new SchemaResult(p.description.result() != null ? p.description.result() : new Schema(List.of()));
  }

  /** A prepared statement's command sent as the ticket: its result is relayed through this server. */
  void stream(CommandPreparedStatementQuery command, CallContext context, ServerStreamListener listener) {
    Prepared p;
    try {
      p = lookup(command.getPreparedStatementHandle(), context);
    } catch (FlightRuntimeException e) {
      listener.error(e);
      return;
    }
    StatementRun run = ClientSessions.begin(context, p.statement.catalog(), p.statement.sql());
    try {
      tickets.stream(target(context, p), p.bound(), p.description.result(), listener, run);
    } catch (FlightRuntimeException e) {
      run.failed(e);
      listener.error(e);
    }
  }

  /** DoPut of a query's parameters: they replace those bound before. */
  Runnable bind(CommandPreparedStatementQuery command, CallContext context, FlightStream stream,
      StreamListener<PutResult> ack) {
    return () -> {
      try {
        Prepared p = lookup(command.getPreparedStatementHandle(), context);
        p.parameters = BoundParameters.read(stream);
        ack.onCompleted();
      } catch (Exception e) {
        ack.onError(ErrorStatuses.of(e));
      }
    };
  }

  /** DoPut of an update: runs once per row of parameters sent (once if none), and answers the rows changed in all. */
  Runnable update(CommandPreparedStatementUpdate command, CallContext context, FlightStream stream,
      StreamListener<PutResult> ack) {
    return () -> {
      StatementRun run = null;
      try {
        Prepared p = lookup(command.getPreparedStatementHandle(), context);
        SqlBackend.Statement statement = p.statement;
        run = ClientSessions.begin(context, statement.catalog(), statement.sql());
        List<List<Object>> rows = BoundParameters.read(stream).rows();
        if (p.control != null) {
          updates.control(context, p.control, p.transaction, statement.catalog(), statement.readOnly(), ack);
          run.ok(0);
          return;
        }
        access.check(statement.user(), statement.catalog(), AccessRight.WRITE);
        run.ok(updates.run(target(context, p), statement.sql(), rows, ack));
      } catch (Exception e) {
        FlightRuntimeException status = ErrorStatuses.of(e);
        if (run != null) {
          run.failed(status);
        }
        ack.onError(status);
      }
    };
  }

  @Override
  public void close() {
    prepared.clear();
  }
}
