package dev.kapu.client.cli;

import dev.kapu.flight.ForwardingReader;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Counts the rows and bytes a reader delivers and, when given a terminal, shows them on one line
 * (rows, MB, rows/s) that it rewrites in place: only once a result has taken a second, at most a
 * few times a second, and cleared when the result ends or the reader closes. Owns the source.
 */
final class ProgressReader extends ForwardingReader {
  private static final long SHOW_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final long EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final PrintStream line;
  private final long start = System.nanoTime();
  private long shownAt = start - EVERY_NANOS; // not 0: System.nanoTime's origin is arbitrary, may be negative
  private boolean shown;
  private boolean closed;
  private long rows;
  private long bytes;

  /** @param line where to show progress (a terminal), or null to count only */
  ProgressReader(ArrowReader source, PrintStream line) {
    super(source);
    this.line = line;
  }

  long rows() {
    return rows;
  }

  @Override
  public boolean loadNextBatch() throws IOException {
    if (!source.loadNextBatch()) {
      clear();
      return false;
    }
    VectorSchemaRoot root = source.getVectorSchemaRoot();
    rows += root.getRowCount();
    for (FieldVector vector : root.getFieldVectors()) {
      for (ArrowBuf buffer : vector.getFieldBuffers()) {
        bytes += buffer.readableBytes();
      }
    }
    long now = System.nanoTime();
    if (line != null && now - start >= SHOW_AFTER_NANOS && now - shownAt >= EVERY_NANOS) {
      double seconds = (now - start) / 1e9;
      line.print(String.format(Locale.ROOT, "\r%,d rows, %,.1f MB, %,.0f rows/s ", rows, bytes / 1e6, rows / seconds));
      line.flush();
      shown = true;
      shownAt = now;
    }
    return true;
  }

  private void clear() {
    if (shown) {
      line.print("\r\033[K");
      line.flush();
      shown = false;
    }
  }

  @Override
  protected void closeReadSource() throws IOException {
    clear();
    if (!closed) { // DuckDB closes the reader it was handed, and so does whoever handed it
      closed = true;
      super.closeReadSource();
    }
  }
}
