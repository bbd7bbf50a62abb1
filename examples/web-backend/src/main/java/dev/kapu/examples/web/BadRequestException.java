package dev.kapu.examples.web;

/** The caller's mistake in a request (a missing or malformed parameter): answered with 400 and this message. */
final class BadRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BadRequestException(String message) {
    super(message);
  }
}
