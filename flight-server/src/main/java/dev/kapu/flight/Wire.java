package dev.kapu.flight;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.kapu.flight.internal.wire.OutcomeKind;
import io.grpc.Metadata;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.apache.arrow.flight.impl.Flight.FlightData;

/** Kapu's control messages inside Flight's FlightData, and the headers of a Kapu stream. */
final class Wire {
  private Wire() {}

  /** Which side of the task protocol a DoExchange stream speaks; absent on plain Flight calls. */
  public static final Metadata.Key<String> ROLE =
      Metadata.Key.of("kapu-role", Metadata.ASCII_STRING_MARSHALLER);

  public static final Metadata.Key<String> TOKEN =
      Metadata.Key.of("kapu-token", Metadata.ASCII_STRING_MARSHALLER);

  /** On a client's task stream: the id of the code its session shipped, released when the stream ends. */
  public static final Metadata.Key<String> CODE =
      Metadata.Key.of("kapu-code", Metadata.ASCII_STRING_MARSHALLER);

  public static final String WORKER = "worker";
  public static final String CLIENT = "client";

  /** gRPC's 4 MiB default is too small for a map chunk with large items. */
  public static final int MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

  public static FlightData frame(MessageLite message) {
    return FlightData.newBuilder().setAppMetadata(message.toByteString()).build();
  }

  public static <T> T unframe(FlightData data, Parser<T> parser) {
    ByteString metadata = data.getAppMetadata();
    try {
      return parser.parseFrom(metadata);
    } catch (InvalidProtocolBufferException e) {
      throw Status.INVALID_ARGUMENT
          .withDescription("not a Kapu message: " + e.getMessage())
          .asRuntimeException();
    }
  }

  public static boolean tokenMatches(String expected, String presented) {
    if (presented == null) {
      return false;
    }
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }

  public static OutcomeKind toWire(TaskOutcome.Kind kind) {
    return switch (kind) {
      case SUCCEEDED -> OutcomeKind.SUCCEEDED;
      case FAILED -> OutcomeKind.FAILED;
      case CANCELLED -> OutcomeKind.CANCELLED;
      case TIMED_OUT -> OutcomeKind.TIMED_OUT;
      case DAEMON_LOST, CONNECTION_LOST -> OutcomeKind.DAEMON_LOST;
      case UNROUTABLE -> OutcomeKind.UNROUTABLE;
    };
  }

  public static TaskOutcome.Kind fromWire(OutcomeKind kind) {
    return switch (kind) {
      case SUCCEEDED -> TaskOutcome.Kind.SUCCEEDED;
      case FAILED -> TaskOutcome.Kind.FAILED;
      case CANCELLED -> TaskOutcome.Kind.CANCELLED;
      case TIMED_OUT -> TaskOutcome.Kind.TIMED_OUT;
      case DAEMON_LOST, UNRECOGNIZED -> TaskOutcome.Kind.DAEMON_LOST;
      case UNROUTABLE -> TaskOutcome.Kind.UNROUTABLE;
    };
  }
}
