package dev.kapu.flight;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import org.apache.arrow.flight.impl.FlightServiceGrpc;

/**
 * The transport settings of Kapu's Arrow streams ({@code DoGet} of results and tables), chosen by
 * measurement ({@code ./kapu bench streams} turns them one at a time between two JVMs; the README's
 * Benchmarks section has the figures).
 *
 * <p><b>Sending.</b> Kapu's writers wait until a stream is ready before each batch ({@link
 * Outbound}), so that a slow reader holds them back. gRPC calls a stream ready while less than 32
 * KiB wait unsent, less than one batch: the writer then hands over the next batch only once the
 * last one is nearly on the wire, and the socket idles while it is encoded and queued. With {@link
 * #READY_BYTES} a few batches wait queued instead, which keeps the socket busy and still bounds
 * what a stream holds.
 *
 * <p>Clients keep gRPC's flow control (a 1 MiB window that it tunes as it goes): a 16 MiB window
 * from the start measured no faster, and cost the reading side more CPU per GB (more bytes in
 * flight, colder in the cache when they are copied out).
 */
public final class StreamTuning {
  private StreamTuning() {}

  /** Bytes a stream may hold unsent and still take another batch: a few batches of 2 MB. */
  public static final int READY_BYTES = 8 << 20;

  /** For a Flight server: lets {@code DoGet} streams keep {@link #READY_BYTES} queued. */
  public static ServerInterceptor readyThreshold() {
    return new ReadyThreshold(FlightServiceGrpc.getDoGetMethod().getFullMethodName());
  }

  private record ReadyThreshold(String method) implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      if (call.getMethodDescriptor().getFullMethodName().equals(method)) {
        call.setOnReadyThreshold(READY_BYTES);
      }
      return next.startCall(call, headers);
    }
  }
}
