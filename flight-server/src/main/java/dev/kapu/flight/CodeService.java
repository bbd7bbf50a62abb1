package dev.kapu.flight;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.Result;

/**
 * Shipped code over Flight {@code DoAction}, on the dispatcher's port and behind the Kapu token
 * (the call carries the Kapu role header, as task streams do): clients ask what is missing and put
 * it in chunks, daemons get it in chunks. Chunks keep every message, and so memory, bounded.
 */
final class CodeService extends NoOpFlightProducer {
  static final String MISSING = "kapu.code.missing";
  static final String PUT = "kapu.code.put";
  static final String GET = "kapu.code.get";
  /** The most a chunk carries either way. */
  static final int CHUNK = 1 << 20;

  private final CodeStore store;

  CodeService(CodeStore store) {
    this.store = store;
  }

  @Override
  public void doAction(CallContext context, Action action, StreamListener<Result> listener) {
    try {
      switch (action.getType()) {
        case MISSING -> {
          List<String> asked = Arrays.stream(new String(action.getBody(), StandardCharsets.UTF_8).split("\n"))
              .filter(s -> !s.isEmpty()).toList();
          listener.onNext(new Result(String.join("\n", store.missingFromElsewhere(asked)).getBytes(StandardCharsets.UTF_8)));
        }
        case PUT -> {
          DataInputStream in = new DataInputStream(new ByteArrayInputStream(action.getBody()));
          String hash = in.readUTF();
          String upload = in.readUTF();
          long offset = in.readLong();
          long total = in.readLong();
          byte[] chunk = in.readAllBytes();
          store.receive(hash, upload, offset, total, chunk);
        }
        case GET -> {
          DataInputStream in = new DataInputStream(new ByteArrayInputStream(action.getBody()));
          String hash = in.readUTF();
          long offset = in.readLong();
          int length = Math.min(CHUNK, in.readInt());
          CodeStore.Chunk chunk = store.read(hash, offset, length);
          ByteArrayOutputStream bytes = new ByteArrayOutputStream(chunk.bytes().length + 8);
          DataOutputStream out = new DataOutputStream(bytes);
          out.writeLong(chunk.total());
          out.write(chunk.bytes());
          listener.onNext(new Result(bytes.toByteArray()));
        }
        default -> throw CallStatus.INVALID_ARGUMENT.withDescription("unknown Kapu action '" + action.getType() + "'")
            .toRuntimeException();
      }
      listener.onCompleted();
    } catch (FlightRuntimeException e) {
      listener.onError(e);
    } catch (IOException e) {
      listener.onError(CallStatus.INTERNAL.withDescription("shipped code: " + e.getMessage()).withCause(e)
          .toRuntimeException());
    }
  }
}
