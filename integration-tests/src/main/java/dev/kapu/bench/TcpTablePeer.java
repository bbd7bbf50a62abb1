package dev.kapu.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;

/**
 * The wire itself: the bytes of the same batches that {@link ArrowTablePeer} holds, sent over a
 * plain TCP connection between two JVMs on loopback with no framing, no protocol and nothing done
 * to them on arrival. Every stream of the table, Kapu's or a bare Flight server's, carries these
 * bytes and more (headers, HTTP/2 frames), and its reader does more with them (each message is
 * parsed and made into Arrow buffers), so this is the ceiling the issue calls "as fast as the wire
 * allows".
 *
 * <p>The child takes the DuckDB file, the SQL and rows per batch, and prints {@code READY <port>}.
 * On a connection, each byte it receives asks for the table once: it answers with the row count
 * and the byte count (8 bytes each), then the batches' buffers in one gathering write after the
 * other, as the kernel takes them.
 */
final class TcpTablePeer {
  /** The reader's buffer: large, so that the kernel's copy dominates, not the system calls. */
  private static final int READ_BUFFER_BYTES = 1 << 20;

  private TcpTablePeer() {}

  public static void main(String[] args) throws Exception {
    ChildJvm.exitWithParent();
    ArrowTablePeer.Table table = ArrowTablePeer.Table.load(new RootAllocator(), args[0], args[1],
        Integer.parseInt(args[2]));
    List<ByteBuffer> buffers = new ArrayList<>();
    long rows = 0;
    long bytes = 0;
    for (ArrowRecordBatch batch : table.batches()) {
      rows += batch.getLength();
      for (ArrowBuf buf : batch.getBuffers()) {
        buffers.add(buf.nioBuffer(0, (int) buf.readableBytes()));
        bytes += buf.readableBytes();
      }
    }
    try (ServerSocketChannel server = ServerSocketChannel.open()) {
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      System.out.println("READY " + ((InetSocketAddress) server.getLocalAddress()).getPort());
      while (true) {
        try (SocketChannel connection = server.accept()) {
          serve(connection, buffers, rows, bytes);
        }
      }
    }
  }

  private static void serve(SocketChannel connection, List<ByteBuffer> buffers, long rows, long bytes)
      throws IOException {
    ByteBuffer request = ByteBuffer.allocate(1);
    while (true) {
      request.clear();
      if (connection.read(request) < 0) {
        return;
      }
      ByteBuffer header = ByteBuffer.allocate(16).putLong(rows).putLong(bytes).flip();
      ByteBuffer[] message = new ByteBuffer[buffers.size() + 1];
      message[0] = header;
      for (int i = 0; i < buffers.size(); i++) {
        message[i + 1] = buffers.get(i).duplicate();
      }
      long left = bytes + header.remaining();
      while (left > 0) {
        left -= connection.write(message);
      }
    }
  }

  /** Starts the peer, holding {@code sql}'s result in batches of {@code batchRows}. */
  static ChildJvm start(Path file, String sql, int batchRows) throws IOException {
    return ChildJvm.start(TcpTablePeer.class, List.of(), List.of(file.toString(), sql, Integer.toString(batchRows)),
        Duration.ofSeconds(120));
  }

  /** A connection to a running peer; each {@link #read} takes the whole table once. */
  static final class Reader implements AutoCloseable {
    private final SocketChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);

    Reader(ChildJvm peer) throws IOException {
      channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", Integer.parseInt(peer.readyText())));
    }

    /** Asks for the table and reads its bytes, discarding them; the reading has no id sum. */
    Reading read() throws IOException {
      long t0 = System.nanoTime();
      channel.write(ByteBuffer.wrap(new byte[] {1}));
      ByteBuffer header = ByteBuffer.allocate(16);
      readFully(header);
      long rows = header.flip().getLong();
      long bytes = header.getLong();
      for (long left = bytes; left > 0; ) {
        buffer.clear();
        if (left < buffer.capacity()) {
          buffer.limit((int) left);
        }
        int n = channel.read(buffer);
        if (n < 0) {
          throw new EOFException("the TCP peer closed the connection with " + left + " bytes still to come");
        }
        left -= n;
      }
      return new Reading(rows, bytes, 0, (System.nanoTime() - t0) / 1e9);
    }

    private void readFully(ByteBuffer target) throws IOException {
      while (target.hasRemaining()) {
        if (channel.read(target) < 0) {
          throw new EOFException("the TCP peer closed the connection");
        }
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
