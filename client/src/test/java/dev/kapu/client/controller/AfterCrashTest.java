package dev.kapu.client.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.client.controller.NamedTasks.AfterCrash;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AfterCrashTest {

  @ParameterizedTest(name = "crash {0} of {1} allowed, backup {2}: {3}")
  @CsvSource({
      "1, 5, false, RETRY",
      "5, 5, false, RETRY",
      "5, 5, true,  RETRY",
      "6, 5, false, CRASHED",
      "6, 5, true,  BACKUP",
      "1, 0, false, CRASHED",
      "1, 0, true,  BACKUP",
  })
  void aTaskIsRetriedUpToTheLimitThenHandedOnOrEnded(int crashesHere, int crashesMax, boolean backup,
      AfterCrash expected) {
    assertThat(AfterCrash.of(crashesHere, crashesMax, backup)).isEqualTo(expected);
  }
}
