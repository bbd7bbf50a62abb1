package dev.kapu.client;

/**
 * How a map splits its items: into consecutive chunks handed out in order, and how many of them
 * may be in flight at once. A size the caller fixed is kept; otherwise each chunk's size is chosen
 * when it is handed out ({@link #autoSize}), from the time the daemons reported for the chunks
 * that came back so far. Safe to use from several threads.
 */
final class MapChunks {
  /** A chunk: items {@code from} (inclusive) to {@code to} (exclusive). */
  record Chunk(int from, int to) {
    int size() {
      return to - from;
    }
  }

  /** The largest chunk chosen automatically: bounds a chunk's message and its results' memory. */
  static final int MAX_AUTO_SIZE = 1024;
  /** Chunks per slot while nothing is known of the items' cost: enough to balance uneven items. */
  static final int CHUNKS_PER_SLOT = 8;
  /** Chunks in flight per slot once one has come back, so that a slot never waits for its next chunk. */
  static final int WINDOW_PER_SLOT = 4;
  /** A chunk should keep its daemon busy far longer than a round trip takes (100-300 µs here). */
  static final long MIN_CHUNK_NANOS = 2_000_000;
  /**
   * ... and long enough that all slots together do not finish chunks faster than one dispatcher
   * and client handle them (a chunk costs them tens of µs): at 1,000 slots, 100 ms per chunk is
   * 10,000 chunks a second.
   */
  static final long CHUNK_NANOS_PER_SLOT = 100_000;

  private final int items;
  private final int fixedSize;
  private final int slots;
  /** Guarded by this: the first item not handed out yet. */
  private int next;
  /** Guarded by this: what the daemons reported so far. */
  private long measuredItems;
  private long measuredNanos;

  /**
   * @param items how many items the map has
   * @param fixedSize items per chunk if positive (the caller's {@code MapOptions.chunkSize}); 0 chooses
   * @param slots the daemons' slots in all
   */
  MapChunks(int items, int fixedSize, int slots) {
    if (items < 0 || fixedSize < 0 || slots < 1) {
      throw new IllegalArgumentException(items + " items, chunk size " + fixedSize + ", " + slots + " slots");
    }
    this.items = items;
    this.fixedSize = fixedSize;
    this.slots = slots;
  }

  /** The next chunk, or null when every item has been handed out. */
  synchronized Chunk next() {
    if (next >= items) {
      return null;
    }
    int size = fixedSize > 0 ? fixedSize : autoSize(items, slots, nanosPerItem());
    int from = next;
    next = (int) Math.min(items, (long) from + size); // in longs: near 2^31 items, from + size overflows
    return new Chunk(from, next);
  }

  /** A daemon spent {@code nanos} on a chunk of {@code size} items. */
  synchronized void measured(int size, long nanos) {
    if (size > 0 && nanos >= 0) {
      measuredItems += size;
      measuredNanos += nanos;
    }
  }

  /**
   * How many chunks may be in flight: four per slot (at least four); but while the items' cost is
   * unknown, one per slot, so that most items wait for the first report before their size is chosen.
   */
  synchronized int window() {
    boolean unknown = fixedSize == 0 && measuredItems == 0;
    return Math.max(4, unknown ? slots : slots * WINDOW_PER_SLOT);
  }

  /** The daemons' mean time per item so far; -1 before any report. */
  private long nanosPerItem() {
    return measuredItems == 0 ? -1 : Math.max(1, measuredNanos / measuredItems);
  }

  /**
   * The size of a map's next chunk, when the caller left it to the map. Bounded below by about
   * eight chunks per slot, which balances items of uneven cost (and is all there is to go by
   * before the first chunk comes back), and by no more than {@link #MAX_AUTO_SIZE}. Once a
   * daemon has reported the items' cost, chunks grow to what keeps a daemon busy for {@link
   * #MIN_CHUNK_NANOS}, or {@link #CHUNK_NANOS_PER_SLOT} per slot if longer, so that round trips do
   * not dominate; but never past one slot's share of the whole map, so that every slot gets work.
   *
   * @param items the map's items
   * @param slots the daemons' slots in all
   * @param nanosPerItem the daemons' time per item so far, or negative if unknown
   */
  static int autoSize(int items, int slots, long nanosPerItem) {
    int balanced = (int) Math.max(1, Math.min(MAX_AUTO_SIZE, (long) items / ((long) slots * CHUNKS_PER_SLOT)));
    if (nanosPerItem < 0) {
      return balanced;
    }
    long share = Math.min(MAX_AUTO_SIZE, ((long) items + slots - 1) / slots);
    long chunkNanos = Math.max(MIN_CHUNK_NANOS, slots * CHUNK_NANOS_PER_SLOT);
    long amortized = (chunkNanos + nanosPerItem - 1) / Math.max(1, nanosPerItem);
    return (int) Math.max(balanced, Math.min(share, amortized));
  }
}
