package dev.kapu.bench;

import dev.kapu.flight.Outbound;
import dev.kapu.flight.StreamChannels;
import io.grpc.ServerInterceptor;
import io.grpc.netty.NettyServerBuilder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.PutResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.sql.impl.FlightSql.DoPutUpdateResult;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;
import org.duckdb.DuckDBResultSet;

/**
 * A bare Flight server in a JVM of its own that holds a query's result in memory, as DuckDB's Arrow
 * export produced it, and answers every {@code DoGet} with those batches: the peer of a table held
 * by a Kapu daemon's {@code arrow} resource, and the subject of {@code bench streams}, which turns
 * one transport setting at a time. It also keeps the batches of each {@code DoPut} in memory as
 * they arrive, until the next one, and answers with their row count: the peer of an upload into a
 * daemon's memory through {@code kapu serve}, answered as a daemon answers it.
 *
 * <p>Arguments: the DuckDB file, the SQL, rows per batch, then settings as {@code name=value}
 * (all off by default, which is Flight's own configuration):
 * <ul>
 *   <li>{@code zeroCopy=true}: Flight's zero-copy write ({@code setUseZeroCopy}): the batch's
 *       buffers go to Netty as they are, instead of being copied into gRPC's buffers;</li>
 *   <li>{@code pace=kapu}: wait for the stream to be ready before each batch, as Kapu's daemons do
 *       ({@link Outbound#awaitReady}), instead of handing gRPC every batch at once;</li>
 *   <li>{@code readyBytes=N}: gRPC's on-ready threshold of the call instead of its 32 KiB: how
 *       many bytes may wait unsent while the stream still counts as ready.</li>
 * </ul>
 * Prints {@code READY <port>}.
 */
final class ArrowTablePeer {
  private ArrowTablePeer() {}

  public static void main(String[] args) throws Exception {
    ChildJvm.exitWithParent();
    String file = args[0];
    String sql = args[1];
    int batchRows = Integer.parseInt(args[2]);
    boolean zeroCopy = false;
    boolean kapuPace = false;
    int readyBytes = 0;
    for (int i = 3; i < args.length; i++) {
      String[] setting = args[i].split("=", 2);
      switch (setting[0]) {
        case "zeroCopy" -> zeroCopy = Boolean.parseBoolean(setting[1]);
        case "pace" -> kapuPace = setting[1].equals("kapu");
        case "readyBytes" -> readyBytes = Integer.parseInt(setting[1]);
        default -> throw new IllegalArgumentException("unknown setting " + args[i]);
      }
    }
    BufferAllocator allocator = new RootAllocator();
    Table table = Table.load(allocator, file, sql, batchRows);
    boolean useZeroCopy = zeroCopy;
    boolean pace = kapuPace;
    AtomicReference<List<ArrowRecordBatch>> uploaded = new AtomicReference<>(List.of());
    FlightServer.Builder builder = FlightServer.builder(allocator, Location.forGrpcInsecure("127.0.0.1", 0),
        new NoOpFlightProducer() {
          @Override
          public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
            try (VectorSchemaRoot root = VectorSchemaRoot.create(table.schema(), allocator)) {
              listener.setUseZeroCopy(useZeroCopy);
              listener.start(root);
              VectorLoader loader = new VectorLoader(root);
              for (ArrowRecordBatch batch : table.batches()) {
                if (pace && !Outbound.awaitReady(listener)) {
                  return;
                }
                loader.load(batch);
                listener.putNext();
              }
              listener.completed();
            } catch (Exception e) {
              listener.error(e);
            }
          }

          @Override
          public Runnable acceptPut(CallContext context, FlightStream stream, StreamListener<PutResult> ack) {
            return () -> {
              uploaded.getAndSet(List.of()).forEach(ArrowRecordBatch::close);
              List<ArrowRecordBatch> received = new ArrayList<>();
              long rows = 0;
              VectorSchemaRoot root = stream.getRoot();
              while (stream.next()) {
                // the unloaded batch keeps the buffers the message arrived in, which the next one replaces
                received.add(new VectorUnloader(root).getRecordBatch());
                rows += root.getRowCount();
              }
              uploaded.set(received);
              byte[] count = DoPutUpdateResult.newBuilder().setRecordCount(rows).build().toByteArray();
              try (ArrowBuf buffer = allocator.buffer(count.length)) {
                buffer.writeBytes(count);
                ack.onNext(PutResult.metadata(buffer));
              }
              ack.onCompleted();
            };
          }
        });
    if (readyBytes > 0) {
      ServerInterceptor threshold = StreamChannels.readyAhead(readyBytes);
      builder.transportHint("grpc.builderConsumer", (Consumer<NettyServerBuilder>) server -> server.intercept(threshold));
    }
    FlightServer server = builder.build().start();
    System.out.println("READY " + server.getPort());
    server.awaitTermination();
  }

  /** The result's batches in this JVM's memory, as the export produced them. */
  record Table(Schema schema, List<ArrowRecordBatch> batches) {
    static Table load(BufferAllocator allocator, String file, String sql, int batchRows) throws Exception {
      Properties streamResults = new Properties();
      streamResults.setProperty("jdbc_stream_results", "true");
      streamResults.setProperty("duckdb.read_only", "true"); // a daemon may hold the file read-only too
      List<ArrowRecordBatch> batches = new ArrayList<>();
      try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + file, streamResults);
          PreparedStatement s = c.prepareStatement(sql);
          DuckDBResultSet rs = (DuckDBResultSet) s.executeQuery();
          ArrowReader reader = (ArrowReader) rs.arrowExportStream(allocator, batchRows)) {
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        while (reader.loadNextBatch()) {
          // the export loads every batch into buffers of its own: keeping references keeps the batch
          batches.add(new VectorUnloader(root).getRecordBatch());
        }
        return new Table(root.getSchema(), List.copyOf(batches));
      }
    }
  }

  /** Starts the peer with Flight's default settings, holding {@code sql}'s result in batches of {@code batchRows}. */
  static ChildJvm start(Path file, String sql, int batchRows) throws java.io.IOException {
    return ChildJvm.start(ArrowTablePeer.class, List.of(), List.of(file.toString(), sql, Integer.toString(batchRows)),
        Duration.ofSeconds(120));
  }

  /** Reads the whole table from a peer through {@code client}. */
  static Reading read(FlightClient client) throws Exception {
    long t0 = System.nanoTime();
    try (FlightStream stream = client.getStream(new Ticket(new byte[] {1}))) {
      return Reading.drain(stream.getRoot(), stream::next, t0);
    }
  }
}
