package dev.kapu.flight.sql;

import dev.kapu.api.AccessRight;
import dev.kapu.flight.AccessControl;
import dev.kapu.flight.ErrorStatuses;
import dev.kapu.flight.status.ClientSessions;
import dev.kapu.flight.status.StatementRun;
import org.apache.arrow.flight.FlightRuntimeException;
import dev.kapu.flight.sql.StatementRouting.Target;
import java.util.List;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightProducer.StreamListener;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementQuery;
import org.apache.arrow.flight.sql.impl.FlightSql.CommandStatementUpdate;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Statements sent as SQL text to run once (Flight SQL's {@code CommandStatementQuery} and {@code
 * CommandStatementUpdate}), where {@link StatementRouting} says; transaction statements among them
 * (BEGIN, COMMIT, ...) go to {@link FlightSqlTransactions}. Prepared ones are {@link
 * PreparedStatements}'.
 */
final class AdHocStatements {
  private final AccessControl access;
  private final StatementRouting routing;
  private final ResultTickets tickets;
  private final SqlUpdates updates;

  AdHocStatements(AccessControl access, StatementRouting routing, ResultTickets tickets, SqlUpdates updates) {
    this.access = access;
    this.routing = routing;
    this.tickets = tickets;
    this.updates = updates;
  }

  /** A query's FlightInfo, whose ticket fetches its result ({@link ResultTickets}). */
  FlightInfo flightInfo(CommandStatementQuery command, CallContext context, FlightDescriptor descriptor) {
    StatementRun run = ClientSessions.begin(context, "", command.getQuery());
    try {
      if (StatementRouting.control(command.getQuery()) != null) {
        throw CallStatus.INVALID_ARGUMENT.withDescription("not a query (it returns no rows): use an update").toRuntimeException();
      }
      Target target = routing.target(context, command.getTransactionId());
      run.at(target.catalog());
      SqlBackend.Statement statement = target.statement(context, command.getQuery());
      SqlBackend.Description d = target.describe(statement);
      if (d.result() == null) {
        throw CallStatus.INVALID_ARGUMENT.withDescription("not a query (it returns no rows): use an update").toRuntimeException();
      }
      return tickets.ticketFor(target, statement, d.result(), descriptor, run);
    } catch (RuntimeException e) {
      FlightRuntimeException status = ErrorStatuses.of(e);
      run.failed(status);
      throw status;
    }
  }

  /** A query's result schema; an empty one for a statement that returns no rows. */
  SchemaResult schema(CommandStatementQuery command, CallContext context) {
    if (StatementRouting.control(command.getQuery()) != null) {
      return new SchemaResult(new Schema(List.of()));
    }
    Target target = routing.target(context, command.getTransactionId());
    SqlBackend.Description d = target.describe(target.statement(context, command.getQuery()));
    return new SchemaResult(d.result() != null ? d.result() : new Schema(List.of()));
  }

  /** DoPut of an update, or of a transaction statement: answers the rows changed. */
  Runnable update(CommandStatementUpdate command, CallContext context, StreamListener<PutResult> ack) {
    return () -> {
      StatementRun run = ClientSessions.begin(context, "", command.getQuery());
      try {
        TransactionStatement control = StatementRouting.control(command.getQuery());
        if (control != null) {
          Target session = routing.sessionTarget(context);
          run.at(session.catalog());
          updates.control(context, control, command.getTransactionId(), session.catalog(), session.readOnly(), ack);
          run.ok(0);
          return;
        }
        Target target = routing.target(context, command.getTransactionId());
        run.at(target.catalog());
        access.check(context.peerIdentity(), target.catalog(), AccessRight.WRITE);
        run.ok(updates.run(target, command.getQuery(), List.of(), ack));
      } catch (Exception e) {
        FlightRuntimeException status = ErrorStatuses.of(e);
        run.failed(status);
        ack.onError(status);
      }
    };
  }
}
