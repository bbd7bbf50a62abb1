package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Stop actions run once, late ones at once, and none after the scope ended. */
class StopActionsTest {

  @Test
  void eachRunsOnceAndLateOnesAtOnce() {
    List<String> ran = new ArrayList<>();
    StopActions stops = new StopActions();
    stops.add(() -> ran.add("first"));
    stops.add(() -> {
      throw new IllegalStateException("already closed"); // the others run all the same
    });
    stops.stop();
    stops.stop();
    stops.add(() -> ran.add("late"));
    assertThat(ran).containsExactly("first", "late");
    assertThat(stops.stopped()).isTrue();
  }

  @Test
  void noneRunsOnceTheScopeEnded() {
    List<String> ran = new ArrayList<>();
    StopActions stops = new StopActions();
    stops.add(() -> ran.add("cancel"));
    stops.end();
    stops.stop();
    stops.add(() -> ran.add("late"));
    assertThat(ran).isEmpty();
    assertThat(stops.stopped()).isFalse();
  }
}
