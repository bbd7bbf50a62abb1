package dev.kapu.flight.sql;

/**
 * A statement, commit or savepoint named a transaction that is no longer open: it was committed or
 * rolled back, rolled back after its idle timeout or when its client's session closed, or lost
 * with the daemon that held it. The message says which. It is the caller's to handle (begin
 * another), so it is an {@link IllegalArgumentException}: INVALID_ARGUMENT for a Flight client.
 */
public class TransactionEndedException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public TransactionEndedException(String message) {
    super(message);
  }
}
