package dev.kapu.flight.sql;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.kapu.flight.ErrorStatuses;
import dev.kapu.flight.internal.Recent;
import dev.kapu.flight.status.StatementRun;
import java.nio.charset.StandardCharsets;
import dev.kapu.flight.sql.KapuFlightSqlProducer.Delivery;
import dev.kapu.flight.sql.StatementRouting.Target;
import java.net.URI;
import java.util.List;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.CancelFlightInfoRequest;
import org.apache.arrow.flight.CancelStatus;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.FlightProducer.StreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.CancelResult;
import org.apache.arrow.flight.sql.impl.FlightSql.TicketStatementQuery;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The tickets that fetch query results, handed out as {@link Delivery} says: direct, a daemon's
 * one-time ticket fetched from that daemon while the query runs there (remembered here, by
 * ticket, with where its result waits), or relayed through this server ({@link RelayedQueries}).
 * {@code CancelFlightInfo} (and the older {@code CancelQuery}) find the queries to stop by these
 * tickets, never by the locations the request names: those come from the client.
 */
final class ResultTickets implements AutoCloseable {
  private final SqlBackend backend;
  private final Delivery delivery;
  private final RelayedQueries relayed;
  /** Direct: the tickets handed out, by ticket, and where each result waits. */
  private final Recent<SqlBackend.Parked> issued = new Recent<>();

  ResultTickets(SqlBackend backend, Delivery delivery) {
    this.backend = backend;
    this.delivery = delivery;
    this.relayed = new RelayedQueries(backend);
  }

  /**
   * A FlightInfo whose ticket fetches the statement's result. Direct: the query starts on a daemon
   * now (unless a transaction ran it) and the ticket is fetched from there, while it runs; relay:
   * it starts when the ticket is fetched from this server.
   */
  FlightInfo ticketFor(Target target, SqlBackend.Statement statement, Schema schema, FlightDescriptor descriptor,
      StatementRun run) {
    SqlBackend.Parked parked = target.runInTransaction(statement, schema);
    if (delivery == Delivery.RELAY) {
      Ticket ticket = relayed.issue(statement, schema, parked, run);
      run.cancelWith(() -> relayed.cancel(ticket.getBytes()));
      return new FlightInfo(schema, descriptor, List.of(new FlightEndpoint(ticket)), -1, -1);
    }
    try {
      if (parked == null) {
        parked = backend.park(statement, schema);
      }
    } catch (Exception e) {
      throw ErrorStatuses.of(e, statement.user(), statement.catalog());
    }
    issued.put(ByteString.copyFrom(parked.ticket()), parked);
    SqlBackend.Parked started = parked;
    run.cancelWith(() -> cancelQuietly(started));
    run.fetchedFrom(parked.location(), new String(parked.ticket(), StandardCharsets.UTF_8));
    FlightEndpoint endpoint = new FlightEndpoint(new Ticket(parked.ticket()), new Location(URI.create(parked.location())));
    return new FlightInfo(schema, descriptor, List.of(endpoint), -1, -1);
  }

  /** Stops a result waiting on a daemon, for an administrator's cancel. */
  private void cancelQuietly(SqlBackend.Parked parked) {
    try {
      backend.cancel(parked);
    } catch (Exception e) {
      throw new IllegalStateException("the daemon holding the result did not take the cancel: " + e.getMessage(), e);
    }
  }

  /** Whether {@code ticket} is one this server handed out to be fetched from a daemon (direct endpoints). */
  boolean handedOutForADaemon(Ticket ticket) {
    return issued.get(ByteString.copyFrom(ticket.getBytes())) != null;
  }

  /**
   * Why this server does not serve a DoGet of {@code ticket}, or null if it is a Flight SQL ticket
   * to serve here. A ticket that is not one is the client's mistake: INVALID_ARGUMENT, not INTERNAL.
   */
  FlightRuntimeException whyNotServedHere(Ticket ticket) {
    SqlBackend.Parked parked = issued.get(ByteString.copyFrom(ticket.getBytes()));
    if (parked != null) {
      return CallStatus.INVALID_ARGUMENT.withDescription("this ticket is fetched from its endpoint's"
          + " location, " + parked.location() + " (the daemon that holds the result), not from this server;"
          + " clients that cannot reach daemons need a server that relays results").toRuntimeException();
    }
    try {
      Any.parseFrom(ticket.getBytes());
    } catch (InvalidProtocolBufferException e) {
      return CallStatus.INVALID_ARGUMENT.withDescription("malformed ticket: not a Flight SQL ticket")
          .toRuntimeException();
    }
    return null;
  }

  /** Relays the result behind a ticket {@link #ticketFor} handed out (relay), to the user it was handed to. */
  void stream(TicketStatementQuery ticket, CallContext context, ServerStreamListener listener) {
    relayed.stream(ticket.getStatementHandle(), context.peerIdentity(), listener);
  }

  /** Relays the result of {@code statement} run where {@code target} says, fetched with no ticket of its own. */
  void stream(Target target, SqlBackend.Statement statement, Schema result, ServerStreamListener listener,
      StatementRun run) {
    relayed.stream(statement, result, target.runInTransaction(statement, result), listener, run);
  }

  // ---- cancellation -------------------------------------------------------------------------

  void cancelFlightInfo(CancelFlightInfoRequest request, StreamListener<CancelStatus> listener) {
    try {
      listener.onNext(cancel(request.getInfo()));
      listener.onCompleted();
    } catch (Exception e) {
      listener.onError(ErrorStatuses.of(e));
    }
  }

  /** CancelQuery, the older action (Flight SQL's deprecated one) that the JDBC driver's helpers still send. */
  @SuppressWarnings("deprecation")
  void cancelQuery(FlightInfo info, StreamListener<CancelResult> listener) {
    try {
      listener.onNext(cancel(info) == CancelStatus.CANCELLED ? CancelResult.CANCELLED : CancelResult.NOT_CANCELLABLE);
      listener.onCompleted();
    } catch (Exception e) {
      listener.onError(ErrorStatuses.of(e));
    }
  }

  /**
   * Stops the queries behind a {@code FlightInfo} this server handed out, found by their tickets.
   * CANCELLED if one was waiting or streaming; NOT_CANCELLABLE if they had finished, or were never
   * issued here.
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

  @Override
  public void close() {
    relayed.close();
    issued.clear();
  }
}
