package dev.kapu.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.MapFunction;
import dev.kapu.api.SerializableCallable;
import dev.kapu.api.Task;
import dev.kapu.api.TaskContext;
import dev.kapu.api.TaskOptions;
import dev.kapu.api.builtin.QueryTask;
import java.io.Serializable;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Which tasks carry the object they were written in, and what the refusal says. */
class CapturedThisTest {

  /** An object tasks are written in: what a user's service class looks like. */
  static final class Pricing implements Serializable {
    private static final long serialVersionUID = 1L;
    // Not constants: javac copies a constant's value into the lambda instead of reading the field.
    int rate = 3;
    int[] history = new int[1_000_000];

    Task<Integer> readsAField() {
      return ctx -> rate * 2;
    }

    Task<Integer> readsTwoFields() {
      return ctx -> rate + history.length;
    }

    Task<Integer> copiesFirst() {
      int r = rate;
      return ctx -> r * 2;
    }

    Task<Integer> callsAMethod() {
      return ctx -> scale();
    }

    Task<Integer> readsInANestedLambda() {
      return ctx -> IntStream.range(0, 3).map(i -> i * rate).sum();
    }

    MapFunction<Integer, Integer> methodReference() {
      return this::times;
    }

    Task<Integer> anonymous() {
      return new Task<>() {
        private static final long serialVersionUID = 1L;

        @Override
        public Integer run(TaskContext ctx) {
          return 1;
        }
      };
    }

    int scale() {
      return rate * 10;
    }

    int times(int x) {
      return x * rate;
    }
  }

  /** javac copies a constant's value into the body, yet still captures the object for it. */
  static final class Constants implements Serializable {
    private static final long serialVersionUID = 1L;
    final int constant = 3;

    Task<Integer> readsAConstant() {
      return ctx -> constant * 2;
    }
  }

  @Test
  void aConstantFieldStillCapturesTheObjectAndTheMessageSaysSo() {
    assertThatThrownBy(() -> refuse(new Constants().readsAConstant()))
        .hasMessageContaining("reads a final field holding a constant, for which Java captures the object all the same");
  }

  private static void refuse(Object code) {
    CapturedThis.refuse(code, TaskOptions.DEFAULT, "task");
  }

  @Test
  void aLambdaReadingAFieldIsRefusedWithTheFieldItsClassAndWhereItWasWritten() {
    assertThatThrownBy(() -> refuse(new Pricing().readsAField()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reads the field 'rate' through 'this'")
        .hasMessageContaining("(written at CapturedThisTest.java:")
        .hasMessageContaining("the whole Pricing object it was written in would travel with it")
        .hasMessageContaining("Copy the field into a local variable first (var rate = this.rate;) and use that in the task")
        .hasMessageContaining("TaskOptions.allowCapturingThis()")
        .satisfies(e -> System.out.println("the refusal reads: " + e.getMessage()));
  }

  @Test
  void everyFieldReadIsNamed() {
    assertThatThrownBy(() -> refuse(new Pricing().readsTwoFields()))
        .hasMessageContaining("reads the fields 'rate', 'history' through 'this'")
        .hasMessageContaining("Copy each field into a local variable first (var rate = this.rate;)");
  }

  @Test
  void theOptionLetsItThrough() {
    assertThatCode(() -> CapturedThis.refuse(new Pricing().readsAField(),
        TaskOptions.timeout(java.time.Duration.ofSeconds(1)).allowCapturingThis(), "task"))
        .doesNotThrowAnyException();
    assertThat(TaskOptions.DEFAULT.allowCapturingThis().withRetries(2).capturingThisAllowed()).isTrue();
    assertThat(TaskOptions.DEFAULT.capturingThisAllowed()).isFalse();
  }

  @Test
  void aLambdaOverALocalCopyCarriesNoObject() {
    assertThatCode(() -> refuse(new Pricing().copiesFirst())).doesNotThrowAnyException();
    int local = 4;
    Task<Integer> staticContext = ctx -> local * 2;
    assertThatCode(() -> refuse(staticContext)).doesNotThrowAnyException();
  }

  @Test
  void whatWouldTravelWithThisAndWithALocalCopy() throws Exception {
    long withThis = serializedSize(new Pricing().readsAField());
    long withCopy = serializedSize(new Pricing().copiesFirst());
    System.out.printf("a task reading one int field: %,d bytes through this, %,d bytes from a local copy%n",
        withThis, withCopy);
    assertThat(withThis).isGreaterThan(4_000_000);
    assertThat(withCopy).isLessThan(2_000);
  }

  @Test
  void theCheckOnATaskThatCapturesOnlyLocalsIsCheap() {
    int local = 4;
    Task<Integer> task = ctx -> local * 2;
    int rounds = 200_000;
    for (int i = 0; i < rounds; i++) { // warm up
      refuse(task);
    }
    long started = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      refuse(task);
    }
    System.out.printf("the capture check on a lambda over a local: %.0f ns per submit%n",
        (System.nanoTime() - started) / (double) rounds);
  }

  private static long serializedSize(Object task) throws java.io.IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(task);
    }
    return bytes.size();
  }

  @Test
  void aMethodCalledOnThisIsNamed() {
    assertThatThrownBy(() -> refuse(new Pricing().callsAMethod())).hasMessageContaining("calls 'scale()' on 'this'");
  }

  @Test
  void aFieldReadInsideANestedLambdaIsNamed() {
    assertThatThrownBy(() -> refuse(new Pricing().readsInANestedLambda()))
        .hasMessageContaining("reads the field 'rate' through 'this'");
  }

  @Test
  void aMethodReferenceOnThisIsRefused() {
    assertThatThrownBy(() -> refuse(new Pricing().methodReference()))
        .hasMessageContaining("is the method reference Pricing::times bound to a Pricing object");
  }

  @Test
  void anAnonymousClassKeepsItsEnclosingObject() {
    assertThatThrownBy(() -> refuse(new Pricing().anonymous()))
        .hasMessageContaining("anonymous or inner class written inside Pricing")
        .hasMessageContaining("Write it as a lambda over local variables, or as a static nested class");
  }

  @Test
  void aTaskWrappedByKapuIsLookedInto() {
    // As the executor and walk wrap the caller's function in a lambda of their own.
    SerializableCallable<Integer> user = ctx(new Pricing().readsAField());
    Task<Integer> wrapper = wrap(user);
    assertThatThrownBy(() -> refuse(wrapper)).hasMessageContaining("reads the field 'rate' through 'this'");
  }

  private static <T> SerializableCallable<T> ctx(Task<T> task) {
    return () -> task.run(null);
  }

  private static <T> Task<T> wrap(SerializableCallable<T> callable) {
    return ctx -> callable.call();
  }

  /** An inner class's object that a task captures on purpose, as a value. */
  final class Item implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  @Test
  void aValueCapturedOnPurposeIsNotLookedAtEvenIfItIsAnInnerClassObject() {
    Item item = new Item();
    Task<Integer> task = ctx -> item.hashCode();
    assertThatCode(() -> refuse(task)).doesNotThrowAnyException();
    assertThatCode(() -> refuse(new QueryTask("db", "select 1", List.of()))).doesNotThrowAnyException();
  }
}
