package dev.kapu.flight;

/**
 * Hears that the dispatcher declared a daemon lost because it fell silent for the {@link Liveness}
 * bound (frozen, cut off, or gone without closing its connection). Its tasks have been failed or
 * queued again by then; whoever started the daemon may now kill it, since a frozen process could
 * otherwise wake up and hold on to what it hosts. Called on the dispatcher's sweep thread: do not
 * block.
 */
@FunctionalInterface
public interface DaemonLossListener {
  void declaredLost(String daemonId, String reason);
}
