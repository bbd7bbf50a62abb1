package dev.kapu.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MapChunksTest {

  /** Hands out every chunk, reporting each as taking {@code nanosPerItem} a item (negative: no reports). */
  private static List<MapChunks.Chunk> all(MapChunks chunks, long nanosPerItem) {
    List<MapChunks.Chunk> out = new ArrayList<>();
    for (MapChunks.Chunk c = chunks.next(); c != null; c = chunks.next()) {
      out.add(c);
      if (nanosPerItem >= 0) {
        chunks.measured(c.size(), c.size() * nanosPerItem);
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0} items, {1} slots, {2} ns an item: chunks of {3}")
  @CsvSource({
      // items, slots, ns per item (-1: unknown), size
      // Before any report: about eight chunks per slot, at most 1,024 items.
      "0,          1,    -1,        1",
      "7,          1,    -1,        1",
      "100,        1,    -1,        12",
      "100,        4,    -1,        3",
      "1000000,    4,    -1,        1024",
      "200000,     10,   -1,        1024",
      "200000,     1000, -1,        25",
      "2147483647, 1,    -1,        1024",
      // Cheap items: 1,024, even if that leaves slots without work (round trips would cost more).
      "200000,     1000, 1000,      1024",
      "200000,     100,  1000,      1024",
      "1000000,    4,    1000,      1024",
      "10000,      1000, 1000,      1024",
      "1000,       1000, 1000,      1024",
      "100,        1,    1000,      1024",
      // Items of 100 µs: 10,000 on 1,000 slots in chunks of 100 (100 ms of dispatching a second).
      "10000,      1000, 100000,    100",
      // Items of 1-2 ms: on a few slots the balanced size is already longer; on many, 100 µs per slot.
      "100000,     1,    1000000,   1024",
      "1000000,    10,   1000000,   1024",
      "200000,     1000, 1000000,   100",
      "200000,     1000, 2000000,   50",
      // Items of 1 s: the balanced size, whatever the slots.
      "200000,     1000, 1000000000, 25",
      "10000,      1000, 1000000000, 1",
      "1000000,    4,    1000000000, 1024",
  })
  void autoSize(int items, int slots, long nanosPerItem, int size) {
    assertThat(MapChunks.autoSize(items, slots, nanosPerItem)).isEqualTo(size);
  }

  @Test
  void neverSmallerThanBeforeAnyReportNorLargerThanTheCap() {
    for (int items : new int[] {1, 10, 999, 100_000, Integer.MAX_VALUE}) {
      for (int slots : new int[] {1, 7, 1000, 100_000}) {
        int unknown = MapChunks.autoSize(items, slots, -1);
        for (long ns : new long[] {0, 1, 100, 10_000, 1_000_000, Long.MAX_VALUE / 2}) {
          assertThat(MapChunks.autoSize(items, slots, ns))
              .isGreaterThanOrEqualTo(unknown).isBetween(1, MapChunks.MAX_AUTO_SIZE);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} items in chunks of {1}")
  @CsvSource({"0, 5", "1, 5", "10, 3", "12, 3", "1000, 7", "2147483647, 1000000000"})
  void fixedChunksCoverEveryItemOnceInOrder(int items, int size) {
    List<MapChunks.Chunk> chunks = all(new MapChunks(items, size, 1), -1);
    long next = 0;
    for (MapChunks.Chunk c : chunks) {
      assertThat(c.from()).isEqualTo(next);
      assertThat(c.size()).isPositive().isLessThanOrEqualTo(size);
      next = c.to();
    }
    assertThat(next).isEqualTo(items);
    assertThat(chunks).hasSize((int) ((items + (long) size - 1) / size));
  }

  @Test
  void onlyTheLastFixedChunkIsShort() {
    assertThat(all(new MapChunks(10, 4, 1), -1))
        .containsExactly(new MapChunks.Chunk(0, 4), new MapChunks.Chunk(4, 8), new MapChunks.Chunk(8, 10));
  }

  @Test
  void aFixedSizeWinsOverReports() {
    assertThat(all(new MapChunks(10_000, 3, 1000), 1)).allMatch(c -> c.size() == 3 || c.to() == 10_000);
  }

  @Test
  void cheapItemsGrowTheChunksAfterTheFirstReport() {
    MapChunks chunks = new MapChunks(200_000, 0, 1000);
    assertThat(chunks.next()).isEqualTo(new MapChunks.Chunk(0, 25));
    assertThat(chunks.next()).isEqualTo(new MapChunks.Chunk(25, 50));
    chunks.measured(25, 25_000); // 1 µs an item
    assertThat(chunks.next()).isEqualTo(new MapChunks.Chunk(50, 1074));
    List<MapChunks.Chunk> rest = all(chunks, 1000);
    assertThat(rest).hasSize(195); // not the 8,000 chunks of eight per slot
    assertThat(rest.get(rest.size() - 1).to()).isEqualTo(200_000);
    assertThat(rest.subList(0, rest.size() - 1)).allMatch(c -> c.size() == 1024);
  }

  @Test
  void itemsOfAMillisecondKeepEverySlotBusy() {
    MapChunks chunks = new MapChunks(200_000, 0, 1000);
    List<MapChunks.Chunk> all = all(chunks, 1_000_000);
    assertThat(all).hasSize(1 + 2000).allMatch(c -> c.size() <= 100); // 100 ms each: two a slot
    assertThat(all.get(0).size()).isEqualTo(25);
    assertThat(all.get(1).size()).isEqualTo(100);
  }

  @Test
  void theLatestReportsWeighMost() {
    MapChunks chunks = new MapChunks(200_000, 0, 1000);
    chunks.next();
    chunks.measured(25, 25 * 1_000_000L); // a cold daemon: 1 ms an item
    assertThat(chunks.next().size()).isEqualTo(100);
    for (int i = 0; i < 20; i++) {
      chunks.measured(100, 100 * 1_000L); // warm: 1 µs
    }
    assertThat(chunks.next().size()).isEqualTo(1024);
  }

  @Test
  void expensiveItemsKeepEightChunksPerSlot() {
    assertThat(all(new MapChunks(80_000, 0, 1000), 50_000_000)).hasSize(8000).allMatch(c -> c.size() == 10);
  }

  @Test
  void theWindowOpensWithTimeUntilTheFirstReportThenFully() {
    MapChunks chunks = new MapChunks(200_000, 0, 1000);
    assertThat(chunks.window(0)).isEqualTo(4);
    assertThat(chunks.ramping(0)).isTrue();
    assertThat(chunks.window(MapChunks.RAMP_NANOS / 10)).isEqualTo(104);
    assertThat(chunks.window(MapChunks.RAMP_NANOS)).isEqualTo(1000);
    assertThat(chunks.ramping(MapChunks.RAMP_NANOS)).isFalse();
    assertThat(chunks.window(10 * MapChunks.RAMP_NANOS)).isEqualTo(1000);
    chunks.measured(25, -1); // a daemon that does not say
    assertThat(chunks.window(0)).isEqualTo(4);
    chunks.measured(25, 25_000);
    assertThat(chunks.window(0)).isEqualTo(4000);
    assertThat(chunks.ramping(0)).isFalse();
  }

  @Test
  void theWholeWindowAtOnceWhenNoReportCouldGrowTheChunks() {
    assertThat(new MapChunks(10, 0, 1).window(0)).isEqualTo(4);
    assertThat(new MapChunks(200_000, 0, 10).window(0)).isEqualTo(40); // 1,024 already
    assertThat(new MapChunks(200_000, 1024, 1000).window(0)).isEqualTo(4000); // fixed
    assertThat(new MapChunks(10, 3, 2).window(0)).isEqualTo(8);
    assertThat(new MapChunks(200_000, 1024, 1000).ramping(0)).isFalse();
  }

  @Test
  void noRampOnceEveryItemIsOut() {
    MapChunks chunks = new MapChunks(100, 0, 1000);
    all(chunks, -1);
    assertThat(chunks.ramping(0)).isFalse();
  }

  @Test
  void refusesNonsense() {
    assertThatThrownBy(() -> new MapChunks(10, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MapChunks(-1, 0, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
