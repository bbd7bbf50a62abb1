package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.MapException;
import dev.kapu.api.MapFunction;
import dev.kapu.api.MapOptions;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.api.SerializableCallable;
import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;
import dev.kapu.api.TaskOptions;
import dev.kapu.client.Kapu;
import dev.kapu.client.KapuExecutor;
import dev.kapu.client.LocalKapu;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.serial.CodecException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The task API against two real daemon processes. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TaskApiTest {
  private static LocalKapu kapu;

  @BeforeAll
  static void start() {
    kapu = Kapu.local(2);
  }

  @AfterAll
  static void stop() {
    kapu.close();
  }

  private static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  @Test
  void submitReturnsTheValueAndFiresCallbacksWithoutPolling() throws Exception {
    int n = 21;
    CountDownLatch called = new CountDownLatch(1);
    AtomicReference<Integer> seen = new AtomicReference<>();
    var future = kapu.submit(ctx -> n * 2);
    future.thenAccept(v -> {
      seen.set(v);
      called.countDown();
    });
    assertThat(await(future)).isEqualTo(42);
    assertThat(called.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(seen.get()).isEqualTo(42);
  }

  @Test
  void theTaskRunsInADaemonProcessNotHere() throws Exception {
    long here = ProcessHandle.current().pid();
    long there = await(kapu.submit(ctx -> ProcessHandle.current().pid()));
    assertThat(there).isNotEqualTo(here);
    Set<Long> daemonPids = kapu.status().daemons().stream().map(ClusterStatus.Daemon::pid)
        .collect(Collectors.toSet());
    assertThat(daemonPids).contains(there);
  }

  static int explode(int depth) {
    if (depth == 0) {
      throw new IllegalStateException("boom at the bottom", new ArithmeticException("root cause"));
    }
    return explode(depth - 1) + 1;
  }

  @Test
  void aRemoteExceptionArrivesWithClassMessageAndRemoteStack() {
    var future = kapu.submit(ctx -> explode(3));
    assertThatThrownBy(() -> future.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(RemoteTaskException.class, e -> {
          assertThat(e.remoteClassName()).isEqualTo("java.lang.IllegalStateException");
          assertThat(e.remoteMessage()).isEqualTo("boom at the bottom");
          assertThat(e.getMessage()).startsWith("java.lang.IllegalStateException: boom");
          List<StackTraceElement> frames = List.of(e.getStackTrace());
          assertThat(frames).filteredOn(f -> f.getMethodName().equals("explode")).hasSize(4);
          assertThat(frames.get(0).getClassName()).isEqualTo(TaskApiTest.class.getName());
          assertThat(e.getCause()).isInstanceOfSatisfying(RemoteTaskException.class,
              c -> assertThat(c.remoteClassName()).isEqualTo("java.lang.ArithmeticException"));
        });
  }

  @Test
  void aHundredThousandItemMapComesBackInOrder() throws Exception {
    List<Integer> items = IntStream.range(0, 100_000).boxed().toList();
    var job = kapu.<Integer, Long>map(items, x -> (long) x * 3);
    List<Long> out = await(job);
    assertThat(out).hasSize(100_000);
    for (int i = 0; i < out.size(); i++) {
      assertThat(out.get(i)).isEqualTo(i * 3L);
    }
    assertThat(job.completedItems()).isEqualTo(100_000);
  }

  static int failAt(int x, int bad) {
    if (x == bad) {
      throw new IllegalArgumentException("item " + x + " is bad");
    }
    return x;
  }

  @Test
  void mapStopsAtTheFirstErrorAndCancelsTheRest() {
    List<Integer> items = IntStream.range(0, 200).boxed().toList();
    var job = kapu.<Integer, Integer>map(items, x -> {
      Thread.sleep(5);
      return failAt(x, 20);
    }, MapOptions.DEFAULT.withChunkSize(1));
    assertThatThrownBy(() -> job.get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(MapException.class, e -> {
          assertThat(e.failures()).containsKey(20);
          assertThat(e.failures().get(20)).isInstanceOf(RemoteTaskException.class)
              .hasMessageContaining("item 20 is bad");
          assertThat(e.getMessage()).contains("item 20");
        });
    // Far fewer than all 200 items ran: the rest were cancelled.
    assertThat(job.completedItems()).isLessThan(200);
  }

  @Test
  void mapWithoutStoppingRunsEveryItemAndReportsEachFailure() {
    List<Integer> items = IntStream.range(0, 1_000).boxed().toList();
    var job = kapu.<Integer, Integer>map(items, x -> failAt(x, 500),
        MapOptions.DEFAULT.withStopOnFirstError(false));
    assertThatThrownBy(() -> job.get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(MapException.class, e -> {
          assertThat(e.failures().keySet()).containsExactly(500);
          assertThat(e.results().get(499)).isEqualTo(499);
          assertThat(e.results().get(501)).isEqualTo(501);
          assertThat(e.results().get(500)).isNull();
        });
    assertThat(job.completedItems()).isEqualTo(1_000);
  }

  @Test
  void randomStreamsDependOnTheSeedAndTheTaskNotTheDaemon() throws Exception {
    List<Integer> items = IntStream.range(0, 12).boxed().toList();
    List<Long> first;
    List<Long> second;
    List<Long> otherSeed;
    try (Kapu a = Kapu.builder().seed(7).daemons(2).local()) {
      first = await(a.<Integer, Long>map(items, x -> TaskContext.current().random().nextLong(),
          MapOptions.DEFAULT.withChunkSize(1)));
    }
    try (Kapu b = Kapu.builder().seed(7).daemons(1).inProcess()) {
      second = await(b.<Integer, Long>map(items, x -> TaskContext.current().random().nextLong(),
          MapOptions.DEFAULT.withChunkSize(5)));
    }
    try (Kapu c = Kapu.builder().seed(8).daemons(1).inProcess()) {
      otherSeed = await(c.<Integer, Long>map(items, x -> TaskContext.current().random().nextLong()));
    }
    assertThat(second).isEqualTo(first);
    assertThat(otherSeed).isNotEqualTo(first);
    assertThat(Set.copyOf(first)).hasSize(12);
  }

  @Test
  void everywhereStateReachesADaemonThatJoinsLater() throws Exception {
    try (LocalKapu session = Kapu.local(1)) {
      List<Object> setup = await(session.everywhere(
          ctx -> ctx.state().put("greeting", "hello from setup")));
      assertThat(setup).hasSize(1);
      session.addDaemons(1);
      assertThat(session.status().daemons()).hasSize(2);
      // Two tasks that hold their daemon's one slot until both have started: one runs on each
      // daemon, however long the new daemon's setup takes.
      Path dir = Files.createTempDirectory("kapu-joins-later");
      String release = dir.resolve("release").toString();
      List<String> seen = new ArrayList<>();
      List<CompletableFuture<String>> futures = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        String started = dir.resolve("started-" + i).toString();
        futures.add(session.submit(ctx -> {
          Faults.blockUntilReleased(ctx, started, release, 60_000);
          return ctx.daemonId() + "=" + ctx.state().get("greeting");
        }));
      }
      Faults.awaitFile(dir.resolve("started-0"));
      Faults.awaitFile(dir.resolve("started-1"));
      Faults.writeAtomically(release, "go");
      for (var f : futures) {
        seen.add(await(f));
      }
      assertThat(seen).containsExactlyInAnyOrder(
          "local-1=hello from setup", "local-2=hello from setup");
    }
  }

  @Test
  void theExecutorServiceRunsCallablesOnDaemons() throws Exception {
    KapuExecutor executor = kapu.executor();
    long here = ProcessHandle.current().pid();
    // No cast: a KapuExecutor's submit takes Kapu's serializable types, which Java prefers for a lambda.
    Future<Integer> one = executor.submit(() -> 6 * 7);
    assertThat(one.get(30, TimeUnit.SECONDS)).isEqualTo(42);
    assertThat(executor.submit(() -> ProcessHandle.current().pid()).get(30, TimeUnit.SECONDS)).isNotEqualTo(here);
    assertThat(executor.submit(() -> { }, "ran").get(30, TimeUnit.SECONDS)).isEqualTo("ran");
    List<SerializableCallable<Long>> calls = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      long k = i;
      calls.add(() -> k * k);
    }
    List<Future<Long>> all = executor.invokeAll(calls, 30, TimeUnit.SECONDS);
    for (int i = 0; i < 10; i++) {
      assertThat(all.get(i).get()).isEqualTo((long) i * i);
    }
    assertThat(executor.invokeAll(calls)).extracting(Future::get).containsExactlyElementsOf(
        IntStream.range(0, 10).mapToObj(i -> (long) i * i).toList());

    // A lambda whose target type is a plain Callable: Java made it without serialization, and the
    // message says which Kapu type to write it as.
    Callable<Integer> plain = () -> 1;
    assertThatThrownBy(() -> executor.submit(plain))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("cannot travel to a daemon")
        .hasMessageContaining("dev.kapu.api.SerializableCallable")
        .hasMessageContaining("List<SerializableCallable<T>>");
    assertThatThrownBy(() -> executor.invokeAll(List.of(plain)))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("dev.kapu.api.SerializableCallable");
    executor.shutdown();
    assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(() -> executor.submit(() -> 1)).isInstanceOf(RejectedExecutionException.class);
    assertThat((Object) await(kapu.submit(ctx -> "still open"))).isEqualTo("still open");
  }

  @Test
  void invokeAnyReturnsTheFirstValueFromTheDaemonsAndCancelsTheRest() throws Exception {
    ExecutorService executor = kapu.executor();
    List<SerializableCallable<String>> race = List.of(
        () -> {
          throw new IllegalStateException("this one fails");
        },
        () -> {
          Thread.sleep(120_000);
          return "slow";
        },
        () -> "fast@" + ProcessHandle.current().pid());
    long started = System.nanoTime();
    String winner = executor.invokeAny(race);
    System.out.printf("invokeAny answered in %.1f ms%n", (System.nanoTime() - started) / 1e6);
    assertThat(winner).startsWith("fast@").isNotEqualTo("fast@" + ProcessHandle.current().pid());
    // The slow one was cancelled on its daemon: nothing is left running.
    awaitCondition(() -> kapu.status().executing() == 0);

    List<SerializableCallable<String>> allFail = List.of(
        () -> {
          throw new IllegalStateException("first failure");
        },
        () -> {
          throw new IllegalStateException("second failure");
        });
    assertThatThrownBy(() -> executor.invokeAny(allFail))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(RemoteTaskException.class)
        .hasMessageContaining("failure");

    List<SerializableCallable<String>> tooSlow = List.of(() -> {
      Thread.sleep(120_000);
      return "never";
    });
    assertThatThrownBy(() -> executor.invokeAny(tooSlow, 300, TimeUnit.MILLISECONDS))
        .isInstanceOf(TimeoutException.class);
    awaitCondition(() -> kapu.status().executing() == 0);
    assertThatThrownBy(() -> executor.invokeAny(List.<SerializableCallable<String>>of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Polls {@code condition} until it holds, for at most 30 s. */
  private static void awaitCondition(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 30 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** A service object tasks are written in: serializable, so only Kapu's rule keeps it home. */
  static final class Pricing implements Serializable {
    private static final long serialVersionUID = 1L;
    private int rate = 3;
    private final byte[] cache = new byte[8 << 20];

    Task<Integer> price(int quantity) {
      return ctx -> quantity * rate;
    }

    Task<Integer> priceFromACopy(int quantity) {
      int r = rate;
      return ctx -> quantity * r;
    }

    MapFunction<Integer, Integer> times() {
      return x -> x * rate;
    }

    SerializableCallable<Integer> callable() {
      return () -> rate + cache.length;
    }
  }

  @Test
  void aTaskThatCapturesThisIsRefusedAtSubmitUnlessAllowed() throws Exception {
    Pricing pricing = new Pricing();
    assertThatThrownBy(() -> kapu.submit(pricing.price(2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reads the field 'rate' through 'this' (written at TaskApiTest.java:")
        .hasMessageContaining("the whole Pricing object it was written in would travel with it")
        .hasMessageContaining("Copy the field into a local variable first (var rate = this.rate;)")
        .hasMessageContaining("TaskOptions.allowCapturingThis()");
    assertThatThrownBy(() -> kapu.map(List.of(1, 2), pricing.times()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("this map function reads the field 'rate' through 'this'");
    assertThatThrownBy(() -> kapu.executor().submit(pricing.callable()))
        .isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("reads the fields 'rate', 'cache' through 'this'");

    assertThat(await(kapu.submit(pricing.priceFromACopy(2)))).isEqualTo(6);
    assertThat(await(kapu.submit(pricing.price(2), TaskOptions.DEFAULT.allowCapturingThis()))).isEqualTo(6);
  }

  @Test
  void aCapturedValueThatCannotBeSerializedFailsAtSubmit() {
    Object notSerializable = new Object();
    assertThatThrownBy(() -> kapu.submit(ctx -> notSerializable.hashCode()))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("java.lang.Object")
        .hasMessageContaining("not Serializable");
  }

  @Test
  void aClassOffTheAllowListIsRefusedByTheDaemonWhichKeepsServing() throws Exception {
    java.awt.Point point = new java.awt.Point(3, 4);
    var refused = kapu.submit(ctx -> point.x + point.y);
    assertThatThrownBy(() -> refused.get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOfSatisfying(RemoteTaskException.class, e -> {
          assertThat(e.remoteClassName()).isEqualTo(CodecException.class.getName());
          assertThat(e.getMessage()).contains("java.awt.Point").contains("allow-list");
        });
    assertThat((Object) await(kapu.submit(ctx -> "next"))).isEqualTo("next");
    try (Kapu allowed = Kapu.builder().allow("java.awt.Point").daemons(1).local()) {
      assertThat((Object) await(allowed.submit(ctx -> point.x + point.y))).isEqualTo(7);
    }
  }

  @Test
  void aCodecFoundByServiceLoaderWorksBothWaysAndAThrowingOneNamesItself() throws Exception {
    int number = 5; // captures travel by Java serialization; results go through the codec
    assertThat((Object) await(kapu.submit(ctx -> new ExplodingCodec.Value(number + 1, false))))
        .isEqualTo(new ExplodingCodec.Value(6, false));
    var failing = kapu.submit(ctx -> new ExplodingCodec.Value(9, true));
    assertThatThrownBy(() -> failing.get(30, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(RemoteTaskException.class)
        .hasMessageContaining("test.exploding")
        .hasMessageContaining("refusing to write 9");
    assertThat((Object) await(kapu.submit(ctx -> "daemon still serving"))).isEqualTo("daemon still serving");
  }

  @Test
  void theInProcessModeHasTheSameApi() throws Exception {
    try (Kapu local = Kapu.builder().daemons(2).inProcess()) {
      String daemon = await(local.submit(ctx -> ctx.daemonId()));
      assertThat(daemon).startsWith("local-");
      assertThat(await(local.<Integer, Integer>map(List.of(1, 2, 3), x -> x * x))).containsExactly(1, 4, 9);
      assertThatThrownBy(() -> local.submit(ctx -> explode(0)).get(30, TimeUnit.SECONDS))
          .cause().isInstanceOf(RemoteTaskException.class);
      assertThat(local.status().daemons()).hasSize(2);
    }
  }

  @Test
  void statusListsEveryDaemonWithItsCounts() throws Exception {
    await(kapu.<Integer, Integer>map(List.of(1, 2, 3, 4), x -> x, MapOptions.DEFAULT.withChunkSize(1)));
    ClusterStatus status = kapu.status();
    assertThat(status.daemons()).extracting(ClusterStatus.Daemon::id)
        .containsExactlyInAnyOrder("local-1", "local-2");
    assertThat(status.daemons()).allSatisfy(d -> {
      assertThat(d.slots()).isEqualTo(1);
      assertThat(ProcessHandle.of(d.pid())).isPresent();
    });
    assertThat(status.completed()).isGreaterThanOrEqualTo(4);
    assertThat(status.awaiting()).isZero();
  }
}
