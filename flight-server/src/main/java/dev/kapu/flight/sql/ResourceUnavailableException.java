package dev.kapu.flight.sql;

import dev.kapu.flight.StatementFailure;
import dev.kapu.serial.ErrorCategory;

/**
 * A statement could not run, or did not finish, because no daemon serves its resource now: the one
 * that did died under it, or its replacement has not connected yet. Neither the client's mistake
 * nor a bug in Kapu: a passing condition (Flight's UNAVAILABLE), and trying again later may work.
 * The message says what became of the resource's data.
 */
public class ResourceUnavailableException extends StatementFailure {
  private static final long serialVersionUID = 1L;

  public ResourceUnavailableException(String message, Throwable cause) {
    super(ErrorCategory.TRANSIENT, message, cause);
  }
}
