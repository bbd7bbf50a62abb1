package dev.kapu.flight;

import io.grpc.stub.ClientCallStreamObserver;
import java.util.ArrayDeque;
import org.apache.arrow.flight.impl.Flight.FlightData;

/**
 * Writes a client stream's messages in order, only while gRPC says the stream is ready: while it
 * is not (the dispatcher reads slower than the client sends), they wait here, on the heap, instead
 * of piling up in the transport's buffers. Nothing blocks: the stream's on-ready handler writes
 * what waits. What may wait is bounded by what the session lets its callers submit.
 */
final class ReadySender {
  private final ClientCallStreamObserver<FlightData> stream;
  private final ArrayDeque<FlightData> waiting = new ArrayDeque<>();

  /** Install {@link #writeWaiting()} as {@code stream}'s on-ready handler. */
  ReadySender(ClientCallStreamObserver<FlightData> stream) {
    this.stream = stream;
  }

  /** Writes {@code message} now if nothing waits and the stream is ready; else after those that wait. */
  synchronized void send(FlightData message) {
    if (waiting.isEmpty() && stream.isReady()) {
      stream.onNext(message);
    } else {
      waiting.add(message);
    }
  }

  /** Writes what waits, as long as the stream stays ready. */
  synchronized void writeWaiting() {
    while (!waiting.isEmpty() && stream.isReady()) {
      stream.onNext(waiting.poll());
    }
  }

  /** Ends the stream; what still waits is dropped (the connection is going). */
  synchronized void complete() {
    waiting.clear();
    stream.onCompleted();
  }

  /** Drops what waits: the connection is lost. */
  synchronized void drop() {
    waiting.clear();
  }
}
