package dev.kapu.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.TaskOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SessionOptionsTest {

  @Test
  void aDispatcherOnlyBuilderCarriesEverySharedOptionAndNoDaemons() {
    Kapu.Builder options = Kapu.builder().slots(3).allow("com.example.*").seed(7)
        .taskOptions(TaskOptions.DEFAULT.withRetries(2)).tls(true).listen("0.0.0.0", 4321).advertise("node1")
        .jvmOptions("-Xmx1g").liveness(Duration.ofSeconds(20)).daemons(5);
    Kapu.Builder copy = options.dispatcherOnly();
    assertThat(copy).isNotSameAs(options);
    assertThat(copy.daemons).isZero();
    assertThat(copy.slots).isEqualTo(3);
    assertThat(copy.allow).containsExactly("com.example.*");
    assertThat(copy.seed).isEqualTo(7L);
    assertThat(copy.taskOptions).isEqualTo(TaskOptions.DEFAULT.withRetries(2));
    assertThat(copy.tls).isTrue();
    assertThat(copy.host).isEqualTo("0.0.0.0");
    assertThat(copy.port).isEqualTo(4321);
    assertThat(copy.advertise).isEqualTo("node1");
    assertThat(copy.jvmOptions).containsExactly("-Xmx1g");
    assertThat(copy.livenessBound()).isEqualTo(Duration.ofSeconds(20));

    options.allow("org.example.*");
    assertThat(copy.allow).as("a copy, not a view").containsExactly("com.example.*");
  }

  @Test
  void sharedSettersCheckTheirArgumentsOnce() {
    assertThatThrownBy(() -> Kapu.builder().slots(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("a daemon needs at least one slot");
  }
}
