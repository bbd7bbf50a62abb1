package dev.kapu.flight;

import java.util.ArrayDeque;

/**
 * The daemons that may have a free slot, in the order they get the next task. The dispatcher
 * places tasks by walking this ring rather than every connected daemon: with a thousand daemons
 * all busy but one, placing a task costs a step, not a thousand.
 *
 * <p>The dispatcher keeps every daemon whose {@link Worker#free()} holds in the ring: it offers a
 * daemon when it joins and whenever one of its tasks or setups ends. A daemon in the ring may have
 * filled up, begun to drain or left since; it is dropped when the walk meets it, and offered again
 * when a slot frees. Not thread-safe: the dispatcher calls it under its lock.
 */
final class FreeWorkers {
  private final ArrayDeque<Worker> ring = new ArrayDeque<>();

  /** {@code w} may have a free slot now: it goes behind the others, unless it is there already or left. */
  void offer(Worker w) {
    if (!w.inFreeRing && !w.gone) {
      w.inFreeRing = true;
      ring.addLast(w);
    }
  }

  /** The next daemon in turn, taken off the ring; null if the ring is empty. */
  Worker poll() {
    Worker w = ring.pollFirst();
    if (w != null) {
      w.inFreeRing = false;
    }
    return w;
  }

  int size() {
    return ring.size();
  }

  /** {@code w} left: it is not kept until the walk meets it, which may be never while no task waits. */
  void remove(Worker w) {
    if (w.inFreeRing) {
      ring.remove(w);
      w.inFreeRing = false;
    }
  }
}
