package dev.kapu.examples.web;

import java.util.concurrent.CompletableFuture;

/**
 * One endpoint: its path, an example request (shown to a caller who got the parameters wrong) and
 * how it answers. {@code answer} must not block: it submits work to Kapu and returns the future.
 */
record Route(String path, String usage, Answer answer) {

  @FunctionalInterface
  interface Answer {
    /**
     * Starts answering a request; the future completes with the JSON body. A mistake in the
     * parameters may be thrown here ({@link BadRequestException}), and so may Kapu's refusal
     * to queue ({@link dev.kapu.api.QueueFullException}).
     */
    CompletableFuture<?> start(Params params);
  }
}
