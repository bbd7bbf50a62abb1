package dev.kapu.daemon;

import dev.kapu.daemon.internal.DaemonStreams;
import dev.kapu.flight.ByteStreams;
import dev.kapu.daemon.code.SessionCodecs;
import dev.kapu.serial.CodecException;
import dev.kapu.serial.EncodedBytes;
import dev.kapu.serial.ParkedEnvelope;
import dev.kapu.serial.ResultEnvelope;
import dev.kapu.serial.TaskEnvelope;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * How a task's envelope reaches this daemon and its result leaves it: inline when small;
 * otherwise parked as a stream of chunks, the envelope at the dispatcher and the result on this
 * daemon's endpoint.
 */
final class TaskPayloads {
  private final SessionCodecs codecs;
  private final DaemonStreams streams;
  private final BufferAllocator allocator;
  private final Function<String, ArrowReader> parked;

  /** @param parked fetches a stream parked at the dispatcher for a task here */
  TaskPayloads(SessionCodecs codecs, DaemonStreams streams, BufferAllocator allocator,
      Function<String, ArrowReader> parked) {
    this.codecs = codecs;
    this.streams = streams;
    this.allocator = allocator;
    this.parked = parked;
  }

  /** Decodes a task envelope, fetching it from the dispatcher first if it was too large to come inline. */
  TaskEnvelope envelope(byte[] payload) {
    ParkedEnvelope envelope = ParkedEnvelope.of(payload);
    if (envelope == null) {
      return TaskEnvelope.decode(codecs, payload);
    }
    try (InputStream in = ByteStreams.input(parked.apply(new String(envelope.ticket(), StandardCharsets.UTF_8)))) {
      return TaskEnvelope.decode(codecs, in);
    } catch (IOException e) {
      throw new UncheckedIOException("closing the task's stream failed", e);
    }
  }

  /**
   * Whether this is one task that decodes without waiting for anything: it came whole (not parked
   * at the dispatcher), is not a map chunk, and the code it names is all on this host. A payload
   * that cannot be read is left to a task thread, whose decoding reports why.
   */
  boolean oneTaskDecodedWithoutWaiting(byte[] payload) {
    try {
      if (ParkedEnvelope.of(payload) != null) {
        return false;
      }
      TaskEnvelope.Header header = TaskEnvelope.header(payload);
      return !header.map() && codecs.hasAllCode(header.codeId());
    } catch (CodecException e) {
      return false;
    }
  }

  /** An empty result, encoded with this daemon's codecs. */
  ResultEnvelope.Builder newResult() {
    return ResultEnvelope.builder(codecs.own());
  }

  /** An empty result for a task of the shipped code {@code codeId}, encoded with that code's codecs. */
  ResultEnvelope.Builder newResult(String codeId) {
    return ResultEnvelope.builder(codecs.forCode(codeId));
  }

  /** The class loader a task of the shipped code {@code codeId} runs with. */
  ClassLoader loader(String codeId) {
    return codecs.loader(codeId);
  }

  /**
   * An encoded result travels inline if it is small; otherwise it waits on this daemon's endpoint
   * and the outcome carries where, so the client fetches it as a stream of chunks.
   */
  byte[] payload(EncodedBytes result) {
    if (ByteStreams.inline(result)) {
      return result.toByteArray();
    }
    byte[] ticket = streams.park(ByteStreams.reader(result, allocator));
    return new ParkedEnvelope(streams.url(), ticket).encode();
  }
}
