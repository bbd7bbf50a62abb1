package dev.kapu.examples.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.api.DaemonLostException;
import dev.kapu.api.QueueFullException;
import dev.kapu.api.TaskTimeoutException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ReplyTest {
  @Test
  void aFailuresStatusSaysWhoseItIs() {
    assertThat(Reply.failure(new BadRequestException("bad n"), "/fib?n=30"))
        .isEqualTo(new Reply(400, new Reply.Error("bad n", "/fib?n=30")));
    assertThat(Reply.failure(new CompletionException(new QueueFullException("full")), "u").status()).isEqualTo(503);
    assertThat(Reply.failure(new CompletionException(new DaemonLostException("gone", "local-1")), "u").status())
        .isEqualTo(503);
    assertThat(Reply.failure(new CancellationException(), "u").status()).isEqualTo(503);
    assertThat(Reply.failure(new CompletionException(new TaskTimeoutException("ran past its timeout")), "u"))
        .isEqualTo(new Reply(504, new Reply.Error("the task did not finish in time: ran past its timeout", null)));
  }

  @Test
  void theServicesOwnFaultIs500WithoutItsDetails() {
    Reply reply = Reply.failure(new CompletionException(new IllegalStateException("secret detail")), "u");
    assertThat(reply.status()).isEqualTo(500);
    assertThat(reply.isServiceFault()).isTrue();
    assertThat(reply.body().toString()).doesNotContain("secret detail").doesNotContain("IllegalStateException");
  }

  @Test
  void unknownPathsAndMethods() {
    assertThat(Reply.notFound("/x", List.of("/fib?n=30", "/stats")))
        .isEqualTo(new Reply(404, new Reply.Error("no endpoint /x; try one of /fib?n=30, /stats", null)));
    assertThat(Reply.methodNotAllowed("POST").status()).isEqualTo(405);
  }
}
