package dev.kapu.client.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.client.controller.ScalingDecision.Demand;
import dev.kapu.client.controller.ScalingDecision.Failures;
import dev.kapu.client.controller.ScalingDecision.Launching;
import dev.kapu.client.controller.ScalingDecision.Limits;
import dev.kapu.client.controller.ScalingDecision.Outcome;
import dev.kapu.client.controller.ScalingDecision.Supply;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ScalingDecisionTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long NOW = 1_000 * SECOND;
  /** Four workers of one slot, a 60 s connect window, giving up after five failures in a row. */
  private static final Limits LIMITS = new Limits(4, 1, 60 * SECOND, 5);

  /** One situation: what the controller sees, and what it must decide. */
  record Situation(String name, Limits limits, Demand demand, int connected, List<Launching> launching,
      Failures failures, long now, Outcome expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Builder situation(String name) {
    return new Builder(name);
  }

  /** Defaults: nothing to do, no workers, no failures, at NOW, with LIMITS. */
  private static final class Builder {
    private final String name;
    private Limits limits = LIMITS;
    private Demand demand = new Demand(0, 0);
    private int connected;
    private final List<Launching> launching = new ArrayList<>();
    private Failures failures = Failures.NONE;
    private long now = NOW;

    Builder(String name) {
      this.name = name;
    }

    Builder limits(int maxWorkers, int slots, int launchFailuresMax) {
      limits = new Limits(maxWorkers, slots, 60 * SECOND, launchFailuresMax);
      return this;
    }

    Builder demand(long awaiting, long executing) {
      demand = new Demand(awaiting, executing);
      return this;
    }

    Builder connected(int n) {
      connected = n;
      return this;
    }

    /** A worker launched {@code secondsAgo} seconds before now. */
    Builder launching(String id, long secondsAgo) {
      launching.add(new Launching(id, now - secondsAgo * SECOND));
      return this;
    }

    Builder launchedAt(String id, long launchedAt) {
      launching.add(new Launching(id, launchedAt));
      return this;
    }

    Builder failures(int inARow) {
      failures = new Failures(inARow, failures.backoffUntil());
      return this;
    }

    Builder backoffUntil(long until) {
      failures = new Failures(failures.inARow(), OptionalLong.of(until));
      return this;
    }

    Builder at(long now) {
      this.now = now;
      return this;
    }

    Arguments expect(int launch, List<String> stop, boolean giveUp) {
      return Arguments.of(new Situation(name, limits, demand, connected, List.copyOf(launching), failures, now,
          new Outcome(launch, stop, giveUp)));
    }

    Arguments expectLaunch(int launch) {
      return expect(launch, List.of(), false);
    }
  }

  static Stream<Arguments> situations() {
    return Stream.of(
        // demand and supply
        situation("no demand, no workers: nothing").expectLaunch(0),
        situation("no demand, workers connected: none is stopped (they leave on their own when idle)")
            .connected(3).expectLaunch(0),
        situation("three tasks queued: three workers").demand(3, 0).expectLaunch(3),
        situation("demand beyond maxWorkers: capped").demand(100, 0).expectLaunch(4),
        situation("demand beyond maxWorkers, all running: nothing more").demand(100, 0).connected(4).expectLaunch(0),
        situation("running tasks are demand too").demand(1, 2).connected(2).expectLaunch(1),
        situation("supply already meets demand").demand(2, 0).connected(2).expectLaunch(0),
        situation("more workers than demand (a hand-started daemon): nothing, and no negative launch")
            .demand(1, 0).connected(4).expectLaunch(0),
        situation("launching workers count as supply").demand(3, 0).connected(1).launching("c-2", 5)
            .expectLaunch(1),
        situation("launching workers cover all the demand").demand(2, 0).launching("c-1", 1).launching("c-2", 59)
            .expectLaunch(0),
        // slots
        situation("four slots: five tasks fill two workers").limits(4, 4, 5).demand(5, 0).expectLaunch(2),
        situation("four slots: four tasks fill one worker").limits(4, 4, 5).demand(4, 0).expectLaunch(1),
        situation("demand near Long.MAX_VALUE does not overflow").limits(4, 3, 5)
            .demand(Long.MAX_VALUE - 1, 0).expectLaunch(4),
        // connect window
        situation("a launch past its connect window is stopped, and nothing launches while backing off")
            .demand(3, 0).launching("c-1", 61).expect(0, List.of("c-1"), false),
        situation("exactly at the connect window: still launching").demand(1, 0).launching("c-1", 60)
            .expectLaunch(0),
        situation("only the old launch is stopped").demand(3, 0).launching("c-1", 90).launching("c-2", 10)
            .expect(0, List.of("c-1"), false),
        // back-off
        situation("backing off after a failure: no launch").demand(3, 0).backoffUntil(NOW + SECOND).failures(1)
            .expectLaunch(0),
        situation("the back-off ends at its instant").demand(3, 0).backoffUntil(NOW).failures(1).expectLaunch(3),
        situation("an old back-off has passed").demand(3, 0).backoffUntil(NOW - SECOND).failures(1).expectLaunch(3),
        // giving up
        situation("five launches in a row failed and nothing is connected or launching: give up")
            .demand(3, 0).failures(5).expect(0, List.of(), true),
        situation("give up even with no demand (no pushed task waits, nothing is lost)")
            .failures(5).expect(0, List.of(), true),
        situation("four failures: not yet").demand(3, 0).failures(4).expectLaunch(3),
        situation("four failures and a fifth launch timing out now: give up").demand(3, 0).failures(4)
            .launching("c-9", 61).expect(0, List.of("c-9"), true),
        situation("failures, but a worker is connected: carry on").demand(3, 0).failures(7).connected(1)
            .expectLaunch(2),
        situation("failures, but a worker is still launching: no giving up, launch the rest").demand(3, 0)
            .failures(7).launching("c-8", 1).expectLaunch(2),
        situation("launchFailuresMax 0: never give up").limits(4, 1, 0).demand(3, 0).failures(1_000)
            .expectLaunch(3),
        // the clock: System.nanoTime() may be negative and may wrap
        situation("a negative clock with no back-off pending still launches").demand(2, 0).at(-5 * SECOND)
            .expectLaunch(2),
        situation("launched just before the clock wraps, 20 s ago: still launching").at(Long.MIN_VALUE + 10 * SECOND)
            .demand(1, 0).launchedAt("c-1", Long.MAX_VALUE - 10 * SECOND + 1).expectLaunch(0),
        situation("launched just before the clock wraps, 70 s ago: stopped").at(Long.MIN_VALUE + 10 * SECOND)
            .demand(1, 0).launchedAt("c-1", Long.MAX_VALUE - 60 * SECOND + 1).expect(0, List.of("c-1"), false),
        situation("a back-off that ends after the clock wraps still holds").at(Long.MAX_VALUE - SECOND)
            .demand(1, 0).backoffUntil(Long.MIN_VALUE + SECOND).failures(1).expectLaunch(0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("situations")
  void decides(Situation s) {
    Outcome outcome = ScalingDecision.decide(s.demand(), new Supply(s.connected(), s.launching()), s.failures(),
        s.limits(), s.now());
    assertThat(outcome).isEqualTo(s.expected());
  }

  @ParameterizedTest(name = "after {0} ms: {1} ms")
  @MethodSource("backoffs")
  void theBackoffDoublesFromAQuarterSecondUpToThirtySeconds(long previous, long next) {
    assertThat(ScalingDecision.nextBackoffMillis(previous)).isEqualTo(next);
  }

  static Stream<Arguments> backoffs() {
    return Stream.of(Arguments.of(0L, 250L), Arguments.of(250L, 500L), Arguments.of(8_000L, 16_000L),
        Arguments.of(16_000L, 30_000L), Arguments.of(30_000L, 30_000L));
  }
}
