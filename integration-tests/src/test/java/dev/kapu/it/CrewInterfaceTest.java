package dev.kapu.it;

import static dev.kapu.it.ControllerTesting.SMALL_WORKER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.ResourceSpec;
import dev.kapu.client.Kapu;
import dev.kapu.client.controller.Controller;
import dev.kapu.client.controller.ControllerGroup;
import dev.kapu.client.controller.ControllerTask;
import dev.kapu.client.controller.Crew;
import dev.kapu.client.controller.CrewSummary;
import dev.kapu.client.controller.TaskResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One consumer, written against {@link Crew} alone, run unchanged on the four kinds of worker
 * pool: a local session (daemon processes), an in-process session, a controller (workers launched
 * on demand) and a group of two controllers.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CrewInterfaceTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  /** What the consumer saw, for the test to compare across kinds. */
  record Seen(Map<String, Object> values, Map<String, TaskResult.Status> statuses, List<Integer> mapped,
      String submitted, int executed, CrewSummary summary) {}

  /**
   * A consumer as a pipeline tool would write it: push named tasks, walk a list, cancel one, wait,
   * collect and pop, then the Kapu side (map, submit, the executor) and a summary.
   */
  static Seen consume(Crew crew) throws Exception {
    crew.push("answer", ctx -> 6 * 7);
    List<ControllerTask<Integer>> squares = crew.walk("square", List.of(1, 2, 3), x -> x * x);
    crew.push("slow", ctx -> {
      Thread.sleep(120_000);
      return -1;
    });
    assertThat(crew.cancel("slow")).isTrue();
    assertThat(crew.waitAll(WAIT)).as("every pushed task ended").isTrue();
    assertThat(squares.get(2).get(1, TimeUnit.SECONDS)).isEqualTo(9);
    List<TaskResult> results = crew.collect();
    assertThat(crew.pop()).isEmpty();
    assertThat(crew.waitOne(Duration.ofMillis(10))).as("nothing is open").isFalse();

    crew.push("later", ctx -> "popped");
    TaskResult later = crew.pop(WAIT).orElseThrow();
    assertThat(later.name()).isEqualTo("later");
    assertThat(later.value()).isEqualTo("popped");

    List<Integer> mapped = crew.map(List.of(1, 2, 3), x -> x + 1).get(90, TimeUnit.SECONDS);
    String submitted = crew.submit(ctx -> "submitted").get(90, TimeUnit.SECONDS);
    int executed = crew.executor().submit(() -> 5).get(90, TimeUnit.SECONDS);
    Map<String, Object> values = results.stream().filter(TaskResult::succeeded)
        .collect(Collectors.toMap(TaskResult::name, TaskResult::value));
    Map<String, TaskResult.Status> statuses = results.stream()
        .collect(Collectors.toMap(TaskResult::name, TaskResult::status));
    return new Seen(values, statuses, mapped, submitted, executed, crew.summary());
  }

  private static void assertSame(Seen seen) {
    assertThat(seen.values()).containsExactlyInAnyOrderEntriesOf(
        Map.of("answer", 42, "square-0", 1, "square-1", 4, "square-2", 9));
    assertThat(seen.statuses()).containsEntry("slow", TaskResult.Status.CANCELLED).hasSize(5);
    assertThat(seen.mapped()).containsExactly(2, 3, 4);
    assertThat(seen.submitted()).isEqualTo("submitted");
    assertThat(seen.executed()).isEqualTo(5);
    CrewSummary s = seen.summary();
    assertThat(s.pushed()).isEqualTo(6);
    assertThat(s.unresolved()).isZero();
    assertThat(s.toPop()).isZero();
    assertThat(s.controllers()).isNotEmpty();
    System.out.println("summary: " + s.connected() + " connected, " + s.workers().size() + " worker(s) listed, "
        + s.controllers().size() + " controller(s)");
  }

  @Test
  void onALocalSession() throws Exception {
    try (Crew crew = Crew.of(Kapu.local(1))) {
      Seen seen = consume(crew);
      assertSame(seen);
      assertThat(seen.summary().connected()).isEqualTo(1);
      assertThat(seen.summary().workers()).extracting(w -> w.id()).containsExactly("local-1");
    }
  }

  @Test
  void onAnInProcessSession() throws Exception {
    try (Crew crew = Crew.of(Kapu.builder().daemons(1).inProcess())) {
      assertSame(consume(crew));
    }
  }

  @Test
  void onAController() throws Exception {
    try (Crew crew = Controller.builder().name("crew").maxWorkers(1).jvmOptions(SMALL_WORKER)
        .idle(Duration.ofSeconds(60)).build()) {
      Seen seen = consume(crew);
      assertSame(seen);
      assertThat(seen.summary().controllers()).extracting(c -> c.controller()).containsExactly("crew");
    }
  }

  @Test
  void onAGroupOfControllers() throws Exception {
    Controller first = Controller.builder().name("first").maxWorkers(1).jvmOptions(SMALL_WORKER)
        .idle(Duration.ofSeconds(60)).build();
    Controller second = Controller.builder().name("second").maxWorkers(1).jvmOptions(SMALL_WORKER)
        .idle(Duration.ofSeconds(60)).resource(ResourceSpec.replicated("mem", "duckdb", Map.of())).build();
    try (Crew crew = ControllerGroup.of(first, second)) {
      Seen seen = consume(crew);
      assertSame(seen);
      assertThat(seen.summary().controllers()).extracting(c -> c.controller()).containsExactly("first", "second");
      assertThat(second.summary().launched()).as("the group sends to its default controller").isZero();
      // everywhere reaches every controller's workers: the second launches none for it, having none now.
      assertThat(crew.everywhere(ctx -> ctx.daemonId()).get(60, TimeUnit.SECONDS)).containsExactly("first-1");
      // A query goes to the controller whose workers host the resource: the second launches one for it.
      try (ArrowReader reader = crew.query("mem", "SELECT 42 AS answer")) {
        assertThat(reader.loadNextBatch()).isTrue();
        assertThat(reader.getVectorSchemaRoot().getVector("answer").getObject(0)).isEqualTo(42);
      }
      assertThat(second.summary().launched()).isEqualTo(1);
    }
  }
}
