package dev.kapu.client;

/**
 * How a map splits its items: into chunks of {@code size} consecutive items, of which at most
 * {@code window} are in flight at once. Pure arithmetic, so the split can be checked without a
 * dispatcher.
 *
 * @param items how many items the map has
 * @param size items per chunk (the last one may hold fewer)
 * @param count how many chunks
 * @param window how many chunks may be in flight at once
 */
record MapChunks(int items, int size, int count, int window) {
  /** A chunk should take long enough to amortise a round trip, and there should be enough of them to balance. */
  static final int MAX_AUTO_SIZE = 1024;
  static final int CHUNKS_PER_SLOT = 8;

  /**
   * The split of {@code items} items over daemons with {@code slots} slots in all: {@code
   * requestedSize} items a chunk if positive, else about eight chunks per slot of at most 1,024
   * items each; four chunks in flight per slot, and at least four.
   */
  static MapChunks plan(int items, int requestedSize, int slots) {
    int size = requestedSize > 0
        ? requestedSize
        : (int) Math.max(1, Math.min(MAX_AUTO_SIZE, (long) items / ((long) slots * CHUNKS_PER_SLOT)));
    int count = (int) ((items + (long) size - 1) / size);
    return new MapChunks(items, size, count, Math.max(4, slots * 4));
  }

  /** The index of chunk {@code chunk}'s first item. */
  int from(int chunk) {
    return chunk * size;
  }

  /** One past the index of chunk {@code chunk}'s last item (in longs: near 2^31 items, from + size overflows). */
  int to(int chunk) {
    return (int) Math.min(items, (long) from(chunk) + size);
  }
}
