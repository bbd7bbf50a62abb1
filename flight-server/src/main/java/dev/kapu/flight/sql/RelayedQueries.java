package dev.kapu.flight.sql;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.kapu.flight.ClientCancellation;
import dev.kapu.flight.CountingStreamListener;
import dev.kapu.flight.ErrorStatuses;
import dev.kapu.flight.status.StatementRun;
import dev.kapu.flight.Outbound;
import dev.kapu.flight.internal.Recent;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.impl.FlightSql.TicketStatementQuery;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Results relayed through the server ({@link KapuFlightSqlProducer.Delivery#RELAY}): a ticket
 * stands for its statement until its user fetches it; the fetch starts the query on a daemon
 * ({@link SqlBackend#park}) and passes its batches on. A query inside a transaction ran when it was
 * asked for, in its place among the transaction's statements: its fetch takes the result waiting
 * on the daemon. A cancel, by {@code CancelFlightInfo} or
 * the client dropping its fetch, stops the query on its daemon, before its first batch too.
 */
final class RelayedQueries implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RelayedQueries.class);

  private final SqlBackend backend;
  /** Statements whose ticket was handed out and not yet fetched. */
  private final Recent<Issued> pending = new Recent<>();
  /** Statements being relayed. */
  private final Map<ByteString, Relay> relaying = new ConcurrentHashMap<>();
  /** Tickets whose query was cancelled. */
  private final Recent<Boolean> cancelled = new Recent<>();
  /** Sends cancels to daemons, off the threads gRPC runs calls on. */
  private final ExecutorService cancels = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kapu-relay-cancel");
    t.setDaemon(true);
    return t;
  });

  /**
   * A statement a ticket stands for, with the result's schema announced to its client, and where
   * its result waits if it ran already (in a transaction), else null.
   */
  private record Issued(SqlBackend.Statement statement, Schema result, SqlBackend.Parked ran, StatementRun run) {}

  RelayedQueries(SqlBackend backend) {
    this.backend = backend;
  }

  /**
   * A ticket for {@code statement}, fetched once from this server by its user.
   *
   * @param ran where its result waits if it ran already (in a transaction); null to run it when fetched
   */
  Ticket issue(SqlBackend.Statement statement, Schema result, SqlBackend.Parked ran, StatementRun run) {
    ByteString handle = ByteString.copyFromUtf8(UUID.randomUUID().toString());
    pending.put(handle, new Issued(statement, result, ran, run));
    return new Ticket(Any.pack(TicketStatementQuery.newBuilder().setStatementHandle(handle).build()).toByteArray());
  }

  /** Streams the statement behind a ticket {@link #issue} handed out, to the user it was handed to. */
  void stream(ByteString handle, String user, ServerStreamListener listener) {
    Issued issued = pending.remove(handle);
    if (issued == null || !issued.statement().user().equals(user)) {
      listener.error(issued == null && cancelled.get(handle) != null ? cancelledStatus()
          : CallStatus.NOT_FOUND.withDescription("unknown or already used ticket").toRuntimeException());
      return;
    }
    Relay relay = new Relay();
    relaying.put(handle, relay);
    try {
      relay(issued.statement(), issued.result(), issued.ran(), relay, listener, issued.run());
    } finally {
      relaying.remove(handle);
    }
  }

  /**
   * Streams {@code statement} with no ticket of its own (a prepared statement's command sent as the
   * ticket); {@code ran} as for {@link #issue}.
   */
  void stream(SqlBackend.Statement statement, Schema result, SqlBackend.Parked ran, ServerStreamListener listener,
      StatementRun run) {
    Relay relay = new Relay();
    run.cancelWith(relay::stop);
    relay(statement, result, ran, relay, listener, run);
  }

  /**
   * Runs the statement on a daemon and passes its batches on, until the end or a stop: the
   * client's going away or {@link #cancel}, which stops the daemon's work for it.
   */
  private void relay(SqlBackend.Statement statement, Schema result, SqlBackend.Parked ran, Relay relay,
      ServerStreamListener client, StatementRun run) {
    CountingStreamListener listener = new CountingStreamListener(client, run::sent);
    try (ClientCancellation watch = ClientCancellation.watch(relay::stop, cancels)) {
      relay.parked(ran != null ? ran : backend.park(statement, result));
      try (ArrowReader reader = backend.fetch(relay.parked)) {
        if (Outbound.sendBatches(reader, listener, () -> relay.stopped)) {
          listener.completed();
          run.ok(0);
        } else if (relay.stopped) {
          fail(listener, run, cancelledStatus(run));
        } else {
          run.end("CANCELLED", 0, "its client went away", 0);
        }
      }
    } catch (Exception e) {
      fail(listener, run, relay.stopped ? cancelledStatus(run) : ErrorStatuses.of(e, statement.user(), statement.catalog()));
    }
  }

  private static void fail(ServerStreamListener listener, StatementRun run, FlightRuntimeException status) {
    run.failed(status);
    listener.error(status);
  }

  /**
   * Cancels the query behind a relay ticket: true if it was waiting or streaming (or was
   * cancelled before), false for any other bytes.
   */
  boolean cancel(byte[] ticket) {
    ByteString handle = handle(ticket);
    if (handle == null) {
      return false;
    }
    Issued waiting = pending.remove(handle);
    if (waiting != null) {
      cancelled.put(handle, Boolean.TRUE);
      FlightRuntimeException status = cancelledStatus(waiting.run());
      waiting.run().failed(status); // never fetched: it ends here
      if (waiting.ran() != null) {
        cancelOnDaemon(waiting.ran()); // frees the result waiting there
      }
      return true;
    }
    Relay relay = relaying.get(handle);
    if (relay != null) {
      relay.stop();
      cancelled.put(handle, Boolean.TRUE);
      return true;
    }
    return cancelled.get(handle) != null;
  }

  /** The statement handle of a relay ticket; null for any other bytes. */
  private static ByteString handle(byte[] ticket) {
    try {
      Any any = Any.parseFrom(ticket);
      return any.is(TicketStatementQuery.class) ? any.unpack(TicketStatementQuery.class).getStatementHandle() : null;
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  static FlightRuntimeException cancelledStatus() {
    return CallStatus.CANCELLED.withDescription("its query was cancelled").toRuntimeException();
  }

  /** As {@link #cancelledStatus()}, saying who cancelled it when it was not its client. */
  private static FlightRuntimeException cancelledStatus(StatementRun run) {
    String why = run.cancelReason();
    return why == null ? cancelledStatus()
        : CallStatus.CANCELLED.withDescription("its query was cancelled: " + why).toRuntimeException();
  }

  /** One relayed query: whether it was stopped, and once started, where its daemon's work is. */
  private final class Relay {
    volatile boolean stopped;
    volatile SqlBackend.Parked parked;

    synchronized void parked(SqlBackend.Parked started) {
      parked = started;
      if (stopped) {
        cancelOnDaemon(started);
      }
    }

    synchronized void stop() {
      if (!stopped) {
        stopped = true;
        if (parked != null) {
          cancelOnDaemon(parked);
        }
      }
    }
  }

  /** Stops a query started on a daemon, off the thread that asks. */
  private void cancelOnDaemon(SqlBackend.Parked started) {
    cancels.execute(() -> {
      try {
        backend.cancel(started);
      } catch (Exception e) {
        // the query may work on: say so where operators look
        log.warn("cancelling a relayed query on its daemon failed: {}", e.toString());
      }
    });
  }

  @Override
  public void close() {
    pending.clear();
    cancelled.clear();
    cancels.shutdownNow();
  }
}
