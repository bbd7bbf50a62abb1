package dev.kapu.flight;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.NettyServerBuilder;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.arrow.flight.AsyncPutListener;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.grpc.NettyClientBuilder;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * Batches sent zero-copy by a server on Kapu's stream channels and read by a client on them
 * ({@link FlightClients}), over a real loopback connection, both ways ({@code DoGet} and {@code
 * DoPut}): every value arrives as sent, in frames as large as the reading end takes, and no buffer
 * is left behind on either side.
 */
class StreamChannelsTest {
  private static final Schema SCHEMA = new Schema(List.of(
      Field.nullable("id", new ArrowType.Int(64, true)), Field.nullable("label", ArrowType.Utf8.INSTANCE)));
  private static final int BATCHES = 20;
  private static final int ROWS = 50_000; // about 1.3 MB a batch: many HTTP/2 frames each

  @Test
  void batchesCrossBothWaysIntact() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      long[] received = new long[2];
      try (BufferAllocator serverMemory = allocator.newChildAllocator("server", 0, Long.MAX_VALUE);
          FlightServer server = start(serverMemory, received);
          BufferAllocator clientMemory = allocator.newChildAllocator("client", 0, Long.MAX_VALUE)) {
        Location location = Location.forGrpcInsecure("127.0.0.1", server.getPort());
        try (FlightClient client = FlightClients.open(new NettyClientBuilder(clientMemory, location), Liveness.DEFAULT)) {
          try (FlightStream stream = client.getStream(new Ticket(new byte[] {1}))) {
            assertThat(checksum(stream)).isEqualTo(expectedChecksum());
          }
          upload(client, clientMemory);
          assertThat(received).containsExactly(expectedChecksum(), (long) BATCHES * ROWS);
        }
        assertThat(Thread.getAllStackTraces().keySet()).as("the connections are Kapu's stream channels")
            .anySatisfy(t -> assertThat(t.getName()).startsWith("kapu-stream-io"));
        assertThat(clientMemory.getAllocatedMemory()).isZero();
      }
    }
  }

  @Test
  void aServerSendsAClientFramesAsLargeAsItTakes() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FlightServer server = start(allocator, new long[2]);
        FrameWatch watch = FrameWatch.fromServer(server.getPort())) {
      Location location = Location.forGrpcInsecure("127.0.0.1", watch.port());
      try (FlightClient client = FlightClients.open(new NettyClientBuilder(allocator, location), Liveness.DEFAULT);
          FlightStream stream = client.getStream(new Ticket(new byte[] {1}))) {
        assertThat(checksum(stream)).isEqualTo(expectedChecksum());
      }
      assertThat(watch.largestDataFrame())
          .as("HTTP/2's default frame is 16 KiB, and Netty's default socket queue cuts frames at 64 KiB")
          .isGreaterThan(128 << 10).isLessThanOrEqualTo(StreamChannels.FRAME_BYTES);
    }
  }

  @Test
  void aClientUploadsToAServerInFramesAsLargeAsItTakes() throws Exception {
    long[] received = new long[2];
    try (BufferAllocator allocator = new RootAllocator();
        FlightServer server = start(allocator, received);
        FrameWatch watch = FrameWatch.fromClient(server.getPort())) {
      Location location = Location.forGrpcInsecure("127.0.0.1", watch.port());
      try (FlightClient client = FlightClients.open(new NettyClientBuilder(allocator, location), Liveness.DEFAULT)) {
        upload(client, allocator);
      }
      assertThat(received).containsExactly(expectedChecksum(), (long) BATCHES * ROWS);
      assertThat(watch.largestDataFrame())
          .as("HTTP/2's default frame is 16 KiB, and Netty's default socket queue cuts frames at 64 KiB")
          .isGreaterThan(128 << 10).isLessThanOrEqualTo(StreamChannels.FRAME_BYTES);
    }
  }

  /** Uploads the batches to the path {@code t}. */
  private static void upload(FlightClient client, BufferAllocator memory) {
    try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, memory)) {
      FlightClient.ClientStreamListener put = client.startPut(FlightDescriptor.path("t"), root, new AsyncPutListener());
      for (int b = 0; b < BATCHES; b++) {
        fill(root, b);
        put.putNext();
      }
      put.completed();
      put.getResult();
    }
  }

  private static FlightServer start(BufferAllocator memory, long[] received) throws IOException {
    return FlightServer.builder(memory, Location.forGrpcInsecure("127.0.0.1", 0), new Producer(memory, received))
        .transportHint("grpc.builderConsumer", (Consumer<NettyServerBuilder>) StreamChannels::server)
        .build().start();
  }

  /**
   * A relay for one connection between a client and a server on loopback, which reads the HTTP/2
   * frames one side sends (each a 9-byte header with a 24-bit length, then the payload; a client
   * begins with HTTP/2's 24-byte preface, a server with its settings) and notes the largest DATA
   * frame.
   */
  private static final class FrameWatch implements AutoCloseable {
    private static final int DATA = 0;
    private static final int CLIENT_PREFACE_BYTES = 24;
    private final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    private final AtomicInteger largestDataFrame = new AtomicInteger();
    private final ExecutorService pumps = Executors.newCachedThreadPool();

    /** Watches what the server sends. */
    static FrameWatch fromServer(int serverPort) throws IOException {
      return new FrameWatch(serverPort, false);
    }

    /** Watches what the client sends. */
    static FrameWatch fromClient(int serverPort) throws IOException {
      return new FrameWatch(serverPort, true);
    }

    private FrameWatch(int serverPort, boolean watchClient) throws IOException {
      pumps.execute(() -> {
        try (Socket client = listener.accept(); Socket server = new Socket(InetAddress.getLoopbackAddress(), serverPort)) {
          Socket watched = watchClient ? client : server;
          Socket other = watchClient ? server : client;
          Future<?> back = pumps.submit(() -> other.getInputStream().transferTo(watched.getOutputStream()));
          DataInputStream frames = new DataInputStream(watched.getInputStream());
          if (watchClient) {
            other.getOutputStream().write(frames.readNBytes(CLIENT_PREFACE_BYTES));
          }
          relayFrames(frames, other.getOutputStream());
          back.cancel(true);
        } catch (IOException e) {
          // the connection ended: what was relayed has been noted
        }
      });
    }

    private void relayFrames(DataInputStream from, OutputStream to) throws IOException {
      byte[] header = new byte[9];
      while (true) {
        from.readFully(header);
        int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | (header[2] & 0xff);
        byte[] payload = from.readNBytes(length);
        if (header[3] == DATA) {
          largestDataFrame.accumulateAndGet(length, Math::max);
        }
        to.write(header);
        to.write(payload);
      }
    }

    int port() {
      return listener.getLocalPort();
    }

    int largestDataFrame() {
      return largestDataFrame.get();
    }

    @Override
    public void close() throws IOException {
      listener.close();
      pumps.shutdownNow();
    }
  }

  /** Sends the batches zero-copy; takes uploads and folds what it took into {@code received}. */
  private static final class Producer extends NoOpFlightProducer {
    private final BufferAllocator allocator;
    private final long[] received;

    Producer(BufferAllocator allocator, long[] received) {
      this.allocator = allocator;
      this.received = received;
    }

    @Override
    public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
      try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, allocator)) {
        listener.setUseZeroCopy(true);
        listener.start(root);
        for (int b = 0; b < BATCHES; b++) {
          fill(root, b);
          listener.putNext();
        }
        listener.completed();
      }
    }

    @Override
    public Runnable acceptPut(CallContext context, FlightStream flightStream, StreamListener<PutResult> ackStream) {
      return () -> {
        long rows = 0;
        long sum = 0;
        while (flightStream.next()) {
          rows += flightStream.getRoot().getRowCount();
          sum = fold(sum, flightStream.getRoot());
        }
        received[0] = sum;
        received[1] = rows;
        ackStream.onCompleted();
      };
    }
  }

  /** Batch {@code b}: ids b*ROWS.., labels "row <id>". New buffers each time, as a real producer's. */
  private static void fill(VectorSchemaRoot root, int b) {
    root.allocateNew();
    BigIntVector id = (BigIntVector) root.getVector("id");
    VarCharVector label = (VarCharVector) root.getVector("label");
    for (int r = 0; r < ROWS; r++) {
      long value = (long) b * ROWS + r;
      id.setSafe(r, value);
      label.setSafe(r, ("row " + value).getBytes(StandardCharsets.UTF_8));
    }
    root.setRowCount(ROWS);
  }

  /** Folds every id and label byte of every batch, in order. */
  private static long checksum(FlightStream stream) {
    long sum = 0;
    while (stream.next()) {
      sum = fold(sum, stream.getRoot());
    }
    return sum;
  }

  private static long fold(long sum, VectorSchemaRoot root) {
    BigIntVector id = (BigIntVector) root.getVector("id");
    VarCharVector label = (VarCharVector) root.getVector("label");
    for (int r = 0; r < root.getRowCount(); r++) {
      sum = sum * 31 + id.get(r);
      for (byte c : label.get(r)) {
        sum = sum * 31 + c;
      }
    }
    return sum;
  }

  private static long expectedChecksum() {
    long sum = 0;
    for (long value = 0; value < (long) BATCHES * ROWS; value++) {
      sum = sum * 31 + value;
      for (byte c : ("row " + value).getBytes(StandardCharsets.UTF_8)) {
        sum = sum * 31 + c;
      }
    }
    return sum;
  }
}
