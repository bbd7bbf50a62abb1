package dev.kapu.flight;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import org.apache.arrow.flight.impl.FlightServiceGrpc;
import org.junit.jupiter.api.Test;

class StreamTuningTest {

  /** A server call that only remembers the threshold it was given. */
  private static final class Call<Q, R> extends ServerCall<Q, R> {
    final MethodDescriptor<Q, R> method;
    Integer threshold;

    Call(MethodDescriptor<Q, R> method) {
      this.method = method;
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      threshold = numBytes;
    }

    @Override
    public MethodDescriptor<Q, R> getMethodDescriptor() {
      return method;
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(R message) {}

    @Override
    public void close(Status status, Metadata trailers) {}

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public Attributes getAttributes() {
      return Attributes.EMPTY;
    }
  }

  private static <Q, R> Integer thresholdOf(MethodDescriptor<Q, R> method) {
    Call<Q, R> call = new Call<>(method);
    StreamTuning.readyThreshold().interceptCall(call, new Metadata(), (c, h) -> new ServerCall.Listener<>() {});
    return call.threshold;
  }

  @Test
  void doGetStreamsKeepSeveralBatchesQueuedAndOtherCallsKeepGrpcsDefault() {
    assertThat(thresholdOf(FlightServiceGrpc.getDoGetMethod())).isEqualTo(StreamTuning.READY_BYTES);
    // task streams (DoExchange) and uploads keep gRPC's own threshold
    assertThat(thresholdOf(FlightServiceGrpc.getDoExchangeMethod())).isNull();
    assertThat(thresholdOf(FlightServiceGrpc.getDoPutMethod())).isNull();
  }
}
