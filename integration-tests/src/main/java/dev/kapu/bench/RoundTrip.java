package dev.kapu.bench;

/**
 * One way of making a round trip (a Kapu task, an echo, a peer's task), opened once so that
 * {@link RoundTripsInTurn} can time it in turn with the others.
 */
interface RoundTrip extends AutoCloseable {
  /** Makes one round trip and returns when its answer is back. */
  void once() throws Exception;

  /** Frees what it opened; nothing for a round trip over something opened elsewhere. */
  @Override
  default void close() throws Exception {}

  /** {@code once}, made over what {@code opened} frees when it is closed. */
  static RoundTrip over(AutoCloseable opened, RoundTrip once) {
    return new RoundTrip() {
      @Override
      public void once() throws Exception {
        once.once();
      }

      @Override
      public void close() throws Exception {
        opened.close();
      }
    };
  }
}
