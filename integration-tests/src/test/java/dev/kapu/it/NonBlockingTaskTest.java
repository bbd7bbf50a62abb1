package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.MapOptions;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tasks declared never to block ({@link TaskOptions#neverBlocks()}) on a real daemon process: where
 * they run, and that everything else about a task stays as it was. What a daemon does with one that
 * does block is in {@code CodeShippingTest}, whose daemon's log the test reads.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NonBlockingTaskTest {
  private static final TaskOptions NEVER_BLOCKS = TaskOptions.DEFAULT.neverBlocks();
  private static LocalKapu kapu;

  @BeforeAll
  static void start() {
    kapu = Kapu.local(1);
  }

  @AfterAll
  static void stop() {
    kapu.close();
  }

  private static String threadOf(TaskOptions options) throws Exception {
    return kapu.submit(ctx -> Thread.currentThread().getName(), options).get(30, TimeUnit.SECONDS);
  }

  @Test
  void aNeverBlockingTaskRunsOnTheThreadThatReadItAndAnyOtherOnATaskThread() throws Exception {
    String network = threadOf(NEVER_BLOCKS);
    assertThat(network).doesNotStartWith("kapu-task");
    assertThat(threadOf(NEVER_BLOCKS)).isEqualTo(network); // one connection, one network thread
    assertThat(threadOf(TaskOptions.DEFAULT)).startsWith("kapu-task");
    // a timeout stops a task by interrupting its thread: such a task never runs on the network's
    assertThat(threadOf(NEVER_BLOCKS.withTimeout(Duration.ofSeconds(30)))).startsWith("kapu-task");
  }

  @Test
  void itsValueErrorAndCallbacksAreAnyTasks() throws Exception {
    int n = 21;
    assertThat(kapu.submit(ctx -> n * 2, NEVER_BLOCKS).get(30, TimeUnit.SECONDS)).isEqualTo(42);
    assertThat(kapu.submit(ctx -> ctx.random().nextLong(), NEVER_BLOCKS).get(30, TimeUnit.SECONDS))
        .isNotNull();
    var failed = kapu.submit(ctx -> {
      throw new IllegalStateException("refused: " + n);
    }, NEVER_BLOCKS);
    assertThatThrownBy(() -> failed.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(RemoteTaskException.class).hasMessageContaining("refused: 21");
    var many = IntStream.range(0, 2_000).mapToObj(i -> kapu.submit(ctx -> i, NEVER_BLOCKS)).toList();
    for (int i = 0; i < many.size(); i++) {
      assertThat(many.get(i).get(30, TimeUnit.SECONDS)).isEqualTo(i);
    }
  }

  @Test
  void aMapWithTheOptionRunsItsChunksOnTaskThreads() throws Exception {
    List<String> threads = kapu.<Integer, String>map(IntStream.range(0, 1_000).boxed().toList(),
        x -> Thread.currentThread().getName(), MapOptions.DEFAULT.withTask(NEVER_BLOCKS).withProgress(false))
        .get(60, TimeUnit.SECONDS);
    assertThat(threads).hasSize(1_000).allMatch(t -> t.startsWith("kapu-task"));
  }
}
