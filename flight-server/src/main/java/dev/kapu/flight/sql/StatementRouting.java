package dev.kapu.flight.sql;

import com.google.protobuf.ByteString;
import dev.kapu.flight.ErrorStatuses;
import java.util.List;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Where a statement runs ({@link Target}): in the transaction it names (Flight SQL's {@code
 * transaction_id}), else in its session's, on the connection the transaction holds; else on the
 * session's catalog on its own, as far as its user's right there goes. Transaction statements sent
 * as SQL (BEGIN, COMMIT, ...: {@link #control}) run on no database: {@link FlightSqlTransactions}
 * does what they say.
 */
final class StatementRouting {
  private final SqlBackend backend;
  private final FlightSqlSessions sessions;
  private final FlightSqlTransactions transactions;

  /**
   * Where a statement runs: {@code backend} is the producer's own, or its view inside {@code
   * transaction} (null outside one).
   */
  record Target(SqlBackend backend, String catalog, boolean readOnly, SqlBackend.Transaction transaction) {
    /** What this call's client asks to run here, as its user, with its session's options. */
    SqlBackend.Statement statement(CallContext context, String sql) {
      return new SqlBackend.Statement(context.peerIdentity(), catalog, sql, List.of(), readOnly,
          SqlSessionOptions.keepDictionaries(context));
    }

    /** The statement's parameters and result, as the database here says; its failure as a Flight status. */
    SqlBackend.Description describe(SqlBackend.Statement statement) {
      try {
        return backend.describe(statement);
      } catch (Exception e) {
        throw ErrorStatuses.of(e, statement.user(), statement.catalog());
      }
    }

    /** This target, for an update: one may not run in a READ ONLY transaction. */
    Target writable() {
      if (transaction != null && transaction.readOnly()) {
        throw CallStatus.INVALID_ARGUMENT.withDescription("transaction " + transaction.id() + " is READ ONLY:"
            + " it runs no updates").toRuntimeException();
      }
      return this;
    }

    /**
     * Inside a transaction, runs the query now, in its place among the transaction's statements,
     * and returns where its result waits; outside one, null: the query starts when its ticket is
     * issued (direct) or fetched (relay).
     */
    SqlBackend.Parked runInTransaction(SqlBackend.Statement statement, Schema schema) {
      if (transaction == null) {
        return null;
      }
      try {
        return backend.park(statement, schema);
      } catch (Exception e) {
        throw ErrorStatuses.of(e, statement.user(), statement.catalog());
      }
    }
  }

  StatementRouting(SqlBackend backend, FlightSqlSessions sessions, FlightSqlTransactions transactions) {
    this.backend = backend;
    this.sessions = sessions;
    this.transactions = transactions;
  }

  /**
   * Where a statement runs: in the transaction it names ({@code named}), else in its session's,
   * else on the session's catalog on its own.
   */
  Target target(CallContext context, ByteString named) {
    SqlBackend.Transaction t;
    try {
      t = transactions.of(context, named);
    } catch (RuntimeException e) {
      throw ErrorStatuses.of(e);
    }
    if (t == null) {
      return sessionTarget(context);
    }
    return new Target(backend.in(t), t.catalog(), t.readOnly(), t);
  }

  /** The session's catalog, outside any transaction. */
  Target sessionTarget(CallContext context) {
    String catalog = sessions.catalog(context);
    return new Target(backend, catalog, sessions.readOnly(context, catalog), null);
  }

  /**
   * Where a prepared statement runs: in the transaction it was prepared with ({@code transaction}),
   * else in its session's, else where it was prepared. One prepared on another catalog than the
   * transaction's is refused.
   */
  Target target(CallContext context, SqlBackend.Statement prepared, ByteString transaction) {
    Target target = target(context, transaction);
    String catalog = prepared.catalog();
    if (target.transaction() == null) {
      return new Target(backend, catalog, prepared.readOnly(), null);
    }
    if (!target.catalog().equals(catalog)) {
      throw CallStatus.INVALID_ARGUMENT.withDescription("this statement was prepared on catalog '" + catalog
          + "', and the transaction runs on '" + target.catalog() + "'").toRuntimeException();
    }
    return target;
  }

  /** The transaction statement {@code sql} is (BEGIN, COMMIT, ...), or null. */
  static TransactionStatement control(String sql) {
    try {
      return TransactionStatement.parse(sql);
    } catch (IllegalArgumentException e) {
      throw ErrorStatuses.of(e);
    }
  }
}
