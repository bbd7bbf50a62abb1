package dev.kapu.client.cli;

/**
 * A command line {@code kapu serve} refuses before it serves: {@link ServeCommand} prints the
 * message as {@code kapu serve: MESSAGE} and exits with 2, the code of a usage mistake.
 */
final class ServeRefusal extends Exception {

  ServeRefusal(String message) {
    super(message, null, false, false); // the user's mistake: no stack trace to fill
  }
}
