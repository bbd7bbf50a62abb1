package dev.kapu.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.MapException;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.TaskTimeoutException;
import dev.kapu.serial.RemoteError;
import dev.kapu.serial.ResultEnvelope.Entry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MapItemsTest {

  private static List<Entry> values(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> new Entry("v" + i, null)).toList();
  }

  @Test
  void resultsAreInInputOrderWhateverOrderTheChunksComeBackIn() {
    MapChunks chunks = new MapChunks(1000, 7, 1);
    List<MapChunks.Chunk> order = new ArrayList<>();
    for (MapChunks.Chunk c = chunks.next(); c != null; c = chunks.next()) {
      order.add(c);
    }
    Collections.shuffle(order, new Random(42));
    MapItems items = new MapItems(1000);
    order.parallelStream().forEach(c -> items.record(c.from(), values(c.from(), c.to())));
    assertThat(items.anyFailed()).isFalse();
    assertThat(items.results()).isEqualTo(IntStream.range(0, 1000).mapToObj(i -> "v" + i).toList());
  }

  @Test
  void failedEntriesBecomeFailuresAtTheirOwnIndex() {
    MapItems items = new MapItems(6);
    items.record(3, List.of(new Entry("v3", null),
        new Entry(null, RemoteError.of(new IllegalStateException("bad item"))),
        new Entry(null, RemoteError.timedOut("timed out after 1 s"))));
    items.record(0, values(0, 3));
    assertThat(items.results()).containsExactly("v0", "v1", "v2", "v3", null, null);
    MapException e = items.exception(items.failed() + " of 6 items failed");
    assertThat(e.failures()).containsOnlyKeys(4, 5);
    assertThat(e.failures().get(4)).isInstanceOf(RemoteTaskException.class).hasMessageContaining("bad item");
    assertThat(e.failures().get(5)).isInstanceOf(TaskTimeoutException.class)
        .hasMessage("item 5 timed out after 1 s");
    assertThat(e).hasMessage("2 of 6 items failed; item 4 failed: " + e.failures().get(4).getMessage());
    assertThat(e.results()).isEqualTo(Arrays.asList("v0", "v1", "v2", "v3", null, null));
  }

  @Test
  void theMessageNamesTheFirstFailedItemNotTheFirstToArrive() {
    MapItems items = new MapItems(10);
    items.fail(8, 10, new IllegalStateException("late chunk lost"));
    items.fail(2, new IllegalStateException("early chunk undecodable"));
    assertThat(items.failed()).isEqualTo(3);
    assertThat(items.exception("stopped at the first failure"))
        .hasMessage("stopped at the first failure; item 2 failed: early chunk undecodable");
  }

  @Test
  void anEmptyMapHasNoResultsAndNoFailures() {
    MapItems items = new MapItems(0);
    assertThat(items.results()).isEmpty();
    assertThat(items.anyFailed()).isFalse();
  }
}
