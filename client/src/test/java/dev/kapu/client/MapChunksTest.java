package dev.kapu.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MapChunksTest {

  @ParameterizedTest(name = "{0} items, chunk size {1}, {2} slots: {4} chunks of {3}, {5} in flight")
  @CsvSource({
      // items, requested, slots, size, count, window
      "0,         0,   1,    1,     0,  4",
      "1,         0,   1,    1,     1,  4",
      "7,         0,   1,    1,     7,  4",
      "100,       0,   1,    12,    9,  4",
      "100,       0,   4,    3,     34, 16",
      "1000000,   0,   4,    1024,  977, 16",
      "1000000,   0,   1000, 125,   8000, 4000",
      "10,        3,   1,    3,     4,  4",
      "10,        10,  2,    10,    1,  8",
      "10,        100, 2,    100,   1,  8",
      "2147483647, 0,  1,    1024,  2097152, 4",
      "2147483647, 1000000000, 1, 1000000000, 3, 4",
  })
  void sizesCountsAndWindows(int items, int requested, int slots, int size, int count, int window) {
    MapChunks chunks = MapChunks.plan(items, requested, slots);
    assertThat(chunks).isEqualTo(new MapChunks(items, size, count, window));
  }

  @ParameterizedTest(name = "{0} items in chunks of {1}")
  @CsvSource({"0, 5", "1, 5", "10, 3", "12, 3", "1000, 7", "2147483647, 1000000000"})
  void theChunksCoverEveryItemOnceInOrder(int items, int size) {
    MapChunks chunks = MapChunks.plan(items, size, 1);
    long next = 0;
    for (int c = 0; c < chunks.count(); c++) {
      assertThat(chunks.from(c)).isEqualTo(next);
      assertThat(chunks.to(c)).isGreaterThan(chunks.from(c)).isLessThanOrEqualTo(items);
      assertThat(chunks.to(c) - chunks.from(c)).isLessThanOrEqualTo(size);
      next = chunks.to(c);
    }
    assertThat(next).isEqualTo(items);
  }

  @Test
  void onlyTheLastChunkIsShort() {
    MapChunks chunks = MapChunks.plan(10, 4, 1);
    List<int[]> ranges = new ArrayList<>();
    for (int c = 0; c < chunks.count(); c++) {
      ranges.add(new int[] {chunks.from(c), chunks.to(c)});
    }
    assertThat(ranges).containsExactly(new int[] {0, 4}, new int[] {4, 8}, new int[] {8, 10});
  }
}
