package dev.kapu.flight;

import dev.kapu.serial.EncodedBytes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Envelopes too large for a control message travel as Arrow batches on a Flight stream: one
 * binary column, one chunk per batch. Such a stream is parked (a task's at the dispatcher, a
 * result on its daemon) and fetched with {@code DoGet}; the receiver decodes from an {@link
 * InputStream} over the batches as they arrive, so no side ever holds the bytes in one array.
 */
public final class ByteStreams {
  /**
   * Envelopes up to this size travel inline, in the message that carries the task or outcome;
   * larger ones are parked and streamed, so a large value never holds up the small messages behind
   * it on a task stream.
   */
  public static final long INLINE_BYTES = 4 << 20;

  private static final String CHUNK = "chunk";

  private ByteStreams() {}

  /** Whether {@code bytes} travel inline. */
  public static boolean inline(EncodedBytes bytes) {
    return bytes.size() <= INLINE_BYTES;
  }

  /**
   * The bytes as batches, one chunk each; a chunk is dropped once sent, so the sender's memory
   * shrinks as the stream goes. Reading it closes nothing but its own root.
   */
  public static ArrowReader reader(EncodedBytes bytes, BufferAllocator allocator) {
    return new ChunkReader(bytes.chunks(), allocator);
  }

  /** The bytes of a stream {@link #reader} made; closing the input closes (cancels) the stream. */
  public static InputStream input(ArrowReader batches) {
    return new BatchInput(batches);
  }

  private static final class ChunkReader extends ArrowReader {
    // Here, not in ByteStreams: the check for small envelopes, on every task, loads no Arrow classes.
    private static final Schema SCHEMA =
        new Schema(List.of(Field.notNullable(CHUNK, ArrowType.Binary.INSTANCE)));
    private final ArrayDeque<ByteBuffer> chunks;

    ChunkReader(List<ByteBuffer> chunks, BufferAllocator allocator) {
      super(allocator);
      this.chunks = new ArrayDeque<>(chunks);
    }

    @Override
    public boolean loadNextBatch() throws IOException {
      ByteBuffer chunk = chunks.poll();
      if (chunk == null) {
        return false;
      }
      VectorSchemaRoot root = getVectorSchemaRoot();
      VarBinaryVector vector = (VarBinaryVector) root.getVector(0);
      // Fresh buffers for every chunk: a transport that sends without copying may still hold the
      // previous ones.
      vector.allocateNew(chunk.remaining(), 1);
      vector.set(0, chunk.array(), chunk.arrayOffset() + chunk.position(), chunk.remaining());
      vector.setValueCount(1);
      root.setRowCount(1);
      return true;
    }

    @Override
    public long bytesRead() {
      return 0;
    }

    @Override
    protected void closeReadSource() {
      chunks.clear();
    }

    @Override
    protected Schema readSchema() {
      return SCHEMA;
    }
  }

  private static final class BatchInput extends InputStream {
    private static final byte[] NONE = new byte[0];
    private final ArrowReader batches;
    private VarBinaryVector vector;
    private int row;
    private byte[] current = NONE;
    private int position;
    private boolean ended;

    BatchInput(ArrowReader batches) {
      this.batches = batches;
    }

    /** Moves to the next non-empty chunk; false at the end of the stream. */
    private boolean advance() throws IOException {
      while (position == current.length) {
        if (ended) {
          return false;
        }
        if (vector != null && row < vector.getValueCount()) {
          current = vector.get(row++);
          position = 0;
          continue;
        }
        if (!batches.loadNextBatch()) {
          ended = true;
          return false;
        }
        VectorSchemaRoot root = batches.getVectorSchemaRoot();
        if (root.getFieldVectors().size() != 1 || !(root.getVector(0) instanceof VarBinaryVector v)
            || !v.getName().equals(CHUNK)) {
          throw new IOException("not a stream of Kapu bytes: its schema is " + root.getSchema());
        }
        vector = v;
        row = 0;
      }
      return true;
    }

    @Override
    public int read() throws IOException {
      return advance() ? current[position++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!advance()) {
        return -1;
      }
      int n = Math.min(len, current.length - position);
      System.arraycopy(current, position, b, off, n);
      position += n;
      return n;
    }

    @Override
    public void close() throws IOException {
      batches.close();
    }
  }
}
