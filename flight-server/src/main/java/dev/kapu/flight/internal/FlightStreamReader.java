package dev.kapu.flight.internal;

import java.io.IOException;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/** A Flight stream seen as an {@link ArrowReader}; the root is the stream's own. */
public final class FlightStreamReader extends ArrowReader {
  private final FlightStream stream;

  public FlightStreamReader(FlightStream stream) {
    super(null); // batches load into the stream's root, not one of ours
    this.stream = stream;
  }

  @Override
  public VectorSchemaRoot getVectorSchemaRoot() {
    return stream.getRoot();
  }

  @Override
  public boolean loadNextBatch() {
    return stream.next();
  }

  @Override
  public long bytesRead() {
    return 0;
  }

  @Override
  protected void closeReadSource() throws IOException {
    try {
      stream.close();
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  @Override
  protected Schema readSchema() {
    return stream.getSchema();
  }
}
