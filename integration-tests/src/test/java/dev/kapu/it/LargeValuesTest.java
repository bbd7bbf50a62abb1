package dev.kapu.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.DaemonLostException;
import dev.kapu.api.MapException;
import dev.kapu.api.RemoteTaskException;
import dev.kapu.client.Kapu;
import dev.kapu.client.LocalKapu;
import dev.kapu.client.TaskFuture;
import dev.kapu.flight.ClusterStatus;
import dev.kapu.it.PatternCodec.Pattern;
import dev.kapu.serial.CodecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.apache.arrow.flight.FlightCallHeaders;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.HeaderCallOption;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values larger than a control message, and larger than any array, in both directions; Arrow
 * arguments; and what happens when such a transfer breaks. Two real daemon processes.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LargeValuesTest {
  private static final int MIB = 1 << 20;
  private static LocalKapu kapu;

  @BeforeAll
  static void start() {
    kapu = Kapu.local(2);
  }

  @AfterAll
  static void stop() {
    kapu.close();
  }

  private static <T> T await(java.util.concurrent.Future<T> f) throws Exception {
    return f.get(120, TimeUnit.SECONDS);
  }

  static long crc(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes);
    return crc.getValue();
  }

  /** Bytes that differ from position to position, so a misplaced chunk changes the checksum. */
  static byte[] bytes(int size, int seed) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (i * 31 + (i >>> 11) + seed);
    }
    return b;
  }

  @Test
  void aThreeHundredMegabyteByteArrayGoesBothWays() throws Exception {
    int size = 300 * MIB;
    long expected = crc(bytes(size, 7));
    // A result: encoded on the daemon into chunks, parked there, streamed to this side.
    byte[] result = await(kapu.submit(ctx -> bytes(size, 7)));
    assertThat(result).hasSize(size);
    assertThat(crc(result)).isEqualTo(expected);
    result = null;
    // An argument, as a map item (a codec), and as a captured value (Java serialization).
    byte[] argument = bytes(size, 7);
    assertThat(await(kapu.<byte[], Long>map(List.of(argument), LargeValuesTest::crc))).containsExactly(expected);
    byte[] captured = argument;
    long crcThere = await(kapu.submit(ctx -> crc(captured)));
    assertThat(crcThere).isEqualTo(expected);
    assertThat(kapu.allocator().getAllocatedMemory()).isZero();
  }

  @Test
  void aCodecStreamsThreeHundredMegabytesBothWaysWithoutHoldingThem() throws Exception {
    long size = 300L * MIB + 12345;
    Pattern back = await(kapu.submit(ctx -> Pattern.of(size)));
    assertThat(back).isEqualTo(Pattern.of(size));
    // The daemon reads the item back through the codec's checks, from the stream.
    assertThat(await(kapu.<Pattern, Long>map(List.of(Pattern.of(size)), p -> p.size()))).containsExactly(size);
  }

  /**
   * An encoding over 2 GiB: the daemon writes 2.2 GiB through the codec into bounded chunks and
   * this side checks every byte as it streams in. The daemon holds the encoding (in chunks) until
   * it is fetched, so it gets a 4 GiB heap. About 20 s here, daemon start included.
   */
  @Test
  void anEncodingOverTwoGigabytesStreamsInChunks() throws Exception {
    try (LocalKapu big = Kapu.builder().daemons(1).jvmOptions("-Xmx4g").local()) {
      long size = 2200L * MIB;
      long started = System.nanoTime();
      assertThat(big.submit(ctx -> Pattern.of(size)).get(280, TimeUnit.SECONDS)).isEqualTo(Pattern.of(size));
      System.out.printf("2.2 GiB result through the pattern codec: %.1f s%n", (System.nanoTime() - started) / 1e9);
    }
  }

  @Test
  void aCodecFailingMidStreamIsNamedOnEitherSideAndTheDaemonsServeOn() throws Exception {
    long size = 20L * MIB;
    // Writing a result on the daemon: the error entry names the codec.
    assertThatThrownBy(() -> await(kapu.submit(ctx -> new Pattern(size, 10L * MIB, -1, -1))))
        .cause().isInstanceOf(RemoteTaskException.class)
        .hasMessageContaining("codec 'test.pattern'")
        .hasMessageContaining("the pattern writer gave up");
    // Reading an argument on the daemon.
    assertThatThrownBy(() -> await(kapu.<Pattern, Long>map(List.of(new Pattern(size, -1, 10L * MIB, -1)), Pattern::size)))
        .cause().isInstanceOf(MapException.class)
        .hasMessageContaining("codec 'test.pattern'")
        .hasMessageContaining("the pattern reader gave up");
    // Reading a result on this side, half way through the stream (which is then cancelled).
    assertThatThrownBy(() -> await(kapu.submit(ctx -> new Pattern(size, -1, 10L * MIB, -1))))
        .cause().isInstanceOf(CodecException.class)
        .hasMessageContaining("codec 'test.pattern'")
        .hasMessageContaining("the pattern reader gave up");
    // Writing an argument on this side fails before anything is sent.
    assertThatThrownBy(() -> kapu.<Pattern, Long>map(List.of(new Pattern(size, MIB, -1, -1)), Pattern::size).get(60, TimeUnit.SECONDS))
        .cause().isInstanceOf(MapException.class)
        .hasMessageContaining("codec 'test.pattern'");
    for (int i = 0; i < 4; i++) {
      Pattern next = await(kapu.submit(ctx -> Pattern.of(6L * MIB)));
      assertThat(next).isEqualTo(Pattern.of(6L * MIB));
    }
    assertThat(kapu.allocator().getAllocatedMemory()).isZero();
  }

  /** {@code batches} batches of {@code rows} BIGINTs counting up from 0, built as they are read. */
  static final class Counting extends ArrowReader {
    private static final Schema SCHEMA =
        new Schema(List.of(Field.notNullable("n", new ArrowType.Int(64, true))));
    private final int batches;
    private final int rows;
    private int loaded;

    Counting(BufferAllocator allocator, int batches, int rows) {
      super(allocator);
      this.batches = batches;
      this.rows = rows;
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      if (loaded == batches) {
        return false;
      }
      VectorSchemaRoot root = getVectorSchemaRoot();
      BigIntVector n = (BigIntVector) root.getVector(0);
      n.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        n.set(i, (long) loaded * rows + i);
      }
      n.setValueCount(rows);
      root.setRowCount(rows);
      loaded++;
      return true;
    }

    @Override
    public long bytesRead() {
      return 0;
    }

    @Override
    protected void closeReadSource() {}

    @Override
    protected Schema readSchema() {
      return SCHEMA;
    }
  }

  /** Sums column {@code n}; returns {sum, rows, batches}. */
  static long[] sum(ArrowReader in) throws IOException {
    long sum = 0;
    long rows = 0;
    long batches = 0;
    while (in.loadNextBatch()) {
      BigIntVector n = (BigIntVector) in.getVectorSchemaRoot().getVector("n");
      for (int i = 0; i < n.getValueCount(); i++) {
        sum += n.get(i);
      }
      rows += n.getValueCount();
      batches++;
    }
    return new long[] {sum, rows, batches};
  }

  private static void sumsAMillionRowsOnADaemon(Kapu session) throws Exception {
    long n = 1_000_000;
    ArrowReader input = new Counting(session.allocator(), 10, 100_000);
    long[] out = session.submit(input, (ctx, in) -> sum(in)).get(120, TimeUnit.SECONDS);
    assertThat(out).containsExactly(n * (n - 1) / 2, n, 10);
    // The input is closed once sent; the sender may finish closing it just after the result arrives.
    Faults.await("the input closed", () -> session.allocator().getAllocatedMemory() == 0);
  }

  @Test
  void anArrowArgumentStreamsToTheDaemonInBatches() throws Exception {
    sumsAMillionRowsOnADaemon(kapu);
    // The same through a dispatcher in another session's process: the client uploads with DoPut.
    try (Kapu remote = Kapu.builder().token(kapu.endpoint().token()).connect(kapu.endpoint().url().toString())) {
      sumsAMillionRowsOnADaemon(remote);
      byte[] big = bytes(10 * MIB, 3); // past the inline limit: its envelope is parked too
      assertThat(remote.submit(ctx -> crc(big)).get(60, TimeUnit.SECONDS)).isEqualTo(crc(big));
    }
    // A task may hand its input straight back: it streams on to the caller.
    try (ArrowReader back = await(kapu.submit(new Counting(kapu.allocator(), 3, 1000), (ctx, in) -> in))) {
      assertThat(sum(back)).containsExactly(2999L * 3000 / 2, 3000, 3);
    }
    assertThat(kapu.allocator().getAllocatedMemory()).isZero();
  }

  @Test
  void inProcessDaemonsTakeArrowArgumentsAndLargeValuesToo() throws Exception {
    try (Kapu local = Kapu.builder().daemons(1).inProcess()) {
      sumsAMillionRowsOnADaemon(local);
      assertThat(local.submit(ctx -> Pattern.of(9L * MIB)).get(60, TimeUnit.SECONDS)).isEqualTo(Pattern.of(9L * MIB));
    }
  }

  @Test
  void cancellingATaskWhoseArgumentIsParkedFreesIt(@TempDir Path dir) throws Exception {
    // Both daemons busy, so the task with the argument waits in the queue.
    List<TaskFuture<String>> blockers = List.of(0, 1).stream().map(i -> {
      String started = dir.resolve("started-" + i).toString();
      String release = dir.resolve("release").toString();
      return kapu.submit(ctx -> Faults.blockUntilReleased(ctx, started, release, 60_000));
    }).toList();
    Faults.await("both daemons to be busy", () -> Files.exists(dir.resolve("started-0"))
        && Files.exists(dir.resolve("started-1")));
    try (BufferAllocator argumentMemory = kapu.allocator().newChildAllocator("argument", 0, Long.MAX_VALUE)) {
      Counting input = new Counting(argumentMemory, 1, 100_000);
      input.loadNextBatch(); // it holds memory now, as a reader from a database would
      assertThat(argumentMemory.getAllocatedMemory()).isPositive();
      TaskFuture<long[]> queued = kapu.submit(input, (ctx, in) -> sum(in));
      Thread.sleep(200);
      assertThat(argumentMemory.getAllocatedMemory()).as("parked until a daemon is free").isPositive();
      queued.cancel(true);
      assertThatThrownBy(queued::join).isInstanceOf(CancellationException.class);
      Faults.await("the parked argument to be freed", () -> argumentMemory.getAllocatedMemory() == 0);
    }
    Files.createFile(dir.resolve("release"));
    for (TaskFuture<String> b : blockers) {
      await(b);
    }
    int next = await(kapu.submit(ctx -> 1 + 1));
    assertThat(next).isEqualTo(2);
  }

  /** Fetches a parked stream from the dispatcher as a daemon would, and says why that failed. */
  private static FlightRuntimeException fetchFails(String token, String ticket) throws Exception {
    FlightCallHeaders headers = new FlightCallHeaders();
    headers.insert("kapu-role", "worker");
    headers.insert("kapu-token", token);
    try (BufferAllocator allocator = new RootAllocator();
        FlightClient client = FlightClient.builder(allocator, new Location(kapu.endpoint().url())).build();
        FlightStream stream = client.getStream(new Ticket(ticket.getBytes(StandardCharsets.UTF_8)),
            new HeaderCallOption(headers))) {
      stream.next();
      throw new AssertionError("fetched a stream that should not be there");
    } catch (FlightRuntimeException e) {
      return e;
    }
  }

  @Test
  void parkedStreamsAreServedOnlyWithTheTokenAndOnlyIfParked() throws Exception {
    assertThat(fetchFails("not the token", "anything").status().code()).isEqualTo(FlightStatusCode.UNAUTHENTICATED);
    FlightRuntimeException missing = fetchFails(kapu.endpoint().token(), "no such ticket");
    assertThat(missing.status().code()).isEqualTo(FlightStatusCode.NOT_FOUND);
    assertThat(missing.getMessage()).contains("no parked stream for this ticket");
    int next = await(kapu.submit(ctx -> 6 * 7));
    assertThat(next).isEqualTo(42);
  }

  @Test
  void aDaemonLostWhileItsResultStreamsFailsTheTaskCleanly() throws Exception {
    try (LocalKapu one = Kapu.local(1)) {
      long pid = one.status().daemons().get(0).pid();
      PatternCodec.paused = new CountDownLatch(1);
      PatternCodec.resume = new CountDownLatch(1);
      TaskFuture<Pattern> result = one.submit(ctx -> new Pattern(512L * MIB, -1, -1, 8L * MIB));
      assertThat(PatternCodec.paused.await(60, TimeUnit.SECONDS)).as("the reader reached its pause").isTrue();
      Faults.sigkill(pid);
      PatternCodec.resume.countDown();
      assertThatThrownBy(() -> result.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(DaemonLostException.class)
          .hasMessageContaining("was lost while its result streamed");
      Faults.await("the dispatcher to see the daemon gone", () -> one.status().daemons().stream()
          .mapToLong(ClusterStatus.Daemon::pid).noneMatch(p -> p == pid));
    }
  }
}
