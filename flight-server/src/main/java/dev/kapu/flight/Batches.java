package dev.kapu.flight;

import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/** What an Arrow batch holds. */
public final class Batches {
  private Batches() {}

  /** The bytes of the batch {@code root} holds: every buffer of every column, children included. */
  public static long bytes(VectorSchemaRoot root) {
    long bytes = 0;
    for (FieldVector vector : root.getFieldVectors()) {
      bytes += vector.getBufferSize();
    }
    return bytes;
  }
}
