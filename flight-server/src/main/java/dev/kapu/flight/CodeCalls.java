package dev.kapu.flight;

import com.google.protobuf.ByteString;
import dev.kapu.api.Endpoint;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.impl.Flight;
import org.apache.arrow.flight.impl.FlightServiceGrpc;

/**
 * The calls for shipped code ({@link CodeService}), made on a connection a client or daemon
 * already has to its dispatcher, with its token: nothing new is opened.
 */
public final class CodeCalls implements CodeSink {
  /** How long one call may take: a chunk, or the first question, which may wait for the dispatcher to index its class path. */
  private static final long CALL_DEADLINE_SECONDS = 300;
  private final FlightServiceGrpc.FlightServiceBlockingStub stub;

  CodeCalls(Channel channel, Endpoint endpoint, String role) {
    Metadata headers = new Metadata();
    headers.put(Wire.ROLE, role);
    headers.put(Wire.TOKEN, endpoint.token());
    this.stub = FlightServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  @Override
  public List<String> missing(List<String> hashes) throws IOException {
    byte[] answer = call(CodeService.MISSING, String.join("\n", hashes).getBytes(StandardCharsets.UTF_8));
    return Arrays.stream(new String(answer, StandardCharsets.UTF_8).split("\n")).filter(s -> !s.isEmpty()).toList();
  }

  @Override
  public void put(String hash, Path file) throws IOException {
    String upload = UUID.randomUUID().toString();
    long total = Files.size(file);
    byte[] buffer = new byte[CodeService.CHUNK];
    try (InputStream in = Files.newInputStream(file)) {
      long offset = 0;
      do {
        int n = in.readNBytes(buffer, 0, buffer.length);
        ByteArrayOutputStream body = new ByteArrayOutputStream(n + 128);
        DataOutputStream out = new DataOutputStream(body);
        out.writeUTF(hash);
        out.writeUTF(upload);
        out.writeLong(offset);
        out.writeLong(total);
        out.write(buffer, 0, n);
        call(CodeService.PUT, body.toByteArray());
        offset += n;
      } while (offset < total);
    }
  }

  /** Writes blob {@code hash} to {@code out}, chunk by chunk; returns its size. */
  public long get(String hash, OutputStream out) throws IOException {
    long offset = 0;
    long total;
    do {
      ByteArrayOutputStream body = new ByteArrayOutputStream(96);
      DataOutputStream request = new DataOutputStream(body);
      request.writeUTF(hash);
      request.writeLong(offset);
      request.writeInt(CodeService.CHUNK);
      DataInputStream answer = new DataInputStream(new ByteArrayInputStream(call(CodeService.GET, body.toByteArray())));
      total = answer.readLong();
      byte[] chunk = answer.readAllBytes();
      if (chunk.length == 0 && offset < total) {
        throw new IOException("the dispatcher sent no bytes of shipped code " + hash + " at " + offset);
      }
      out.write(chunk);
      offset += chunk.length;
    } while (offset < total);
    return total;
  }

  private byte[] call(String type, byte[] body) throws IOException {
    try {
      // Bounded even if the dispatcher stops answering mid-transfer: a chunk is 1 MiB at most.
      Iterator<Flight.Result> results = stub.withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS).doAction(
          Flight.Action.newBuilder().setType(type).setBody(ByteString.copyFrom(body)).build());
      ByteString all = ByteString.EMPTY;
      while (results.hasNext()) {
        all = all.concat(results.next().getBody());
      }
      return all.toByteArray();
    } catch (StatusRuntimeException e) {
      String description = e.getStatus().getDescription();
      throw new CodeCallException(e.getStatus().getCode().name(),
          description != null ? description : e.getStatus().getCode().toString(), e);
    }
  }

  /** A shipped-code call the dispatcher refused or failed; {@link #status()} is its gRPC status. */
  public static final class CodeCallException extends IOException {
    private final String status;

    CodeCallException(String status, String message, Throwable cause) {
      super(message, cause);
      this.status = status;
    }

    public String status() {
      return status;
    }
  }
}
