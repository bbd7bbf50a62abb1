package dev.kapu.flight.sql;

import com.google.protobuf.ByteString;
import dev.kapu.flight.sql.StatementRouting.Target;
import java.util.List;
import org.apache.arrow.flight.FlightProducer.CallContext;
import org.apache.arrow.flight.FlightProducer.StreamListener;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.sql.impl.FlightSql.DoPutUpdateResult;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;

/**
 * What a Flight SQL update's DoPut runs, ad hoc or prepared, answered with the rows it changed
 * (Flight SQL's {@code DoPutUpdateResult}): the update where {@link StatementRouting} says, or a
 * transaction statement (BEGIN, COMMIT, ...) that {@link FlightSqlTransactions} carries out. Its
 * caller has checked that the user may write.
 */
final class SqlUpdates {
  private final BufferAllocator allocator;
  private final FlightSqlTransactions transactions;

  SqlUpdates(BufferAllocator allocator, FlightSqlTransactions transactions) {
    this.allocator = allocator;
    this.transactions = transactions;
  }

  /**
   * Runs {@code sql} at {@code target} once per row of {@code rows} (once with none if there are
   * none); returns the rows changed in all.
   */
  long run(Target target, String sql, List<List<Object>> rows, StreamListener<PutResult> ack) throws Exception {
    Target writable = target.writable();
    long count = 0;
    if (rows.isEmpty()) {
      count = writable.backend().update(writable.catalog(), sql, List.of());
    }
    for (List<Object> row : rows) {
      count += writable.backend().update(writable.catalog(), sql, row);
    }
    answer(count, ack);
    return count;
  }

  /** Carries out a transaction statement on the call's session; it changes no rows. */
  void control(CallContext context, TransactionStatement control, ByteString transaction, String catalog,
      boolean readOnly, StreamListener<PutResult> ack) throws Exception {
    transactions.execute(context, control, transaction, catalog, readOnly);
    answer(0, ack);
  }

  private void answer(long count, StreamListener<PutResult> ack) {
    byte[] bytes = DoPutUpdateResult.newBuilder().setRecordCount(count).build().toByteArray();
    try (ArrowBuf buffer = allocator.buffer(bytes.length)) {
      buffer.writeBytes(bytes);
      ack.onNext(PutResult.metadata(buffer));
    }
    ack.onCompleted();
  }
}
