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
  /** A chunk should keep its daemon busy far longer than a round trip takes (100-300 µs on 2 cores). */
  static final long MIN_CHUNK_NANOS = 2_000_000;
  /**
   * A chunk's time per busy slot, so that the slots together do not finish chunks faster than
   * one client and dispatcher handle them (tens of µs each): with 1,000 slots busy, chunks of 100 ms
   * come back 10,000 a second.
   */
  static final long CHUNK_NANOS_PER_SLOT = 100_000;
  /** Until the first report, the window opens to one chunk per slot over this time. */
  static final long RAMP_NANOS = 100_000_000;
  /** How often the window is widened while it opens with time. */
  static final long RAMP_STEP_NANOS = 5_000_000;
  /** How much each report moves the time per item. */
  static final double REPORT_WEIGHT = 0.25;

  private final int items;
  private final int fixedSize;
  private final int slots;
  /** Guarded by this: the first item not handed out yet. */
  private int next;
  /** Guarded by this: the daemons' time per item, a moving average over the reports so far; -1 before any. */
  private double nanosPerItem = -1;

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
    int size = fixedSize > 0 ? fixedSize : autoSize(items, slots, nanosPerItem < 0 ? -1 : Math.max(1, Math.round(nanosPerItem)));
    int from = next;
    next = (int) Math.min(items, (long) from + size); // in longs: near 2^31 items, from + size overflows
    return new Chunk(from, next);
  }

  /**
   * A daemon spent {@code nanos} on a chunk of {@code size} items. The latest reports weigh most:
   * the first chunks on a new daemon run interpreted code, and on a loaded machine a report only
   * ever comes out longer than the items' own cost.
   */
  synchronized void measured(int size, long nanos) {
    if (size > 0 && nanos >= 0) {
      double perItem = (double) nanos / size;
      nanosPerItem = nanosPerItem < 0 ? perItem : nanosPerItem + (perItem - nanosPerItem) * REPORT_WEIGHT;
    }
  }

  /**
   * How many chunks may be in flight, {@code nanosSinceStart} after the map began: four per slot
   * (at least four). But while chunks may still grow and no daemon has reported yet, only four at
   * first, and one more slot's worth every {@link #RAMP_NANOS} / slots, so that cheap items do not
   * go out in thousands of small chunks before the first report sizes them, while a slot waits
   * at most {@link #RAMP_NANOS} for work when the first report is slow to come (costly items).
   */
  synchronized int window(long nanosSinceStart) {
    if (!unsized()) {
      return Math.max(4, slots * WINDOW_PER_SLOT);
    }
    long ramped = 4 + (long) slots * Math.max(0, nanosSinceStart) / RAMP_NANOS;
    return (int) Math.max(4, Math.min(slots, ramped));
  }

  /** True while the window still grows with time alone: no report yet, items left, slots without a chunk. */
  synchronized boolean ramping(long nanosSinceStart) {
    return unsized() && next < items && window(nanosSinceStart) < slots;
  }

  /** No report yet, and a report could make chunks larger than the first ones. */
  private boolean unsized() {
    return fixedSize == 0 && nanosPerItem < 0 && autoSize(items, slots, -1) < MAX_AUTO_SIZE;
  }


  /**
   * The size of a map's next chunk, when the caller left it to the map. Never below about eight
   * chunks per slot, which balances items of uneven cost and is all there is to go by before the
   * first chunk comes back, nor above {@link #MAX_AUTO_SIZE}. Once the daemons have reported the
   * items' cost, a chunk grows until it keeps its daemon busy for {@link #MIN_CHUNK_NANOS}, and
   * for {@link #CHUNK_NANOS_PER_SLOT} per busy slot, so that the slots together do not finish
   * chunks faster than the client and dispatcher handle them: with all slots busy, k items of c ns
   * need k c at least slots times that; where that would leave slots without a chunk, fewer,
   * larger chunks do it with items / k slots busy, k at least the square root of items times that
   * over c. Cheap items thus travel in a few large chunks; expensive ones keep all slots busy.
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
    double perItem = Math.max(1, nanosPerItem);
    double allSlotsBusy = slots * (double) CHUNK_NANOS_PER_SLOT / perItem;
    double fewerSlotsBusy = Math.sqrt(items * (double) CHUNK_NANOS_PER_SLOT / perItem);
    double amortized = Math.max(MIN_CHUNK_NANOS / perItem, Math.min(allSlotsBusy, fewerSlotsBusy));
    return (int) Math.max(balanced, Math.min(MAX_AUTO_SIZE, Math.ceil(amortized)));
  }
}
