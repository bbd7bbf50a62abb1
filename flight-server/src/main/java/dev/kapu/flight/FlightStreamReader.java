package dev.kapu.flight;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A Flight stream seen as an {@link ArrowReader} (batches load into the stream's own root, no
 * copy, and dictionaries are the stream's), counting the rows it has read.
 */
public final class FlightStreamReader extends ArrowReader {
  private final FlightStream stream;
  private final boolean owner;
  private long rows;

  /**
   * @param owner closing the reader closes the stream; false for a stream someone else closes
   *     (the one a Flight server hands to {@code acceptPut})
   */
  public FlightStreamReader(FlightStream stream, boolean owner) {
    super(null); // batches load into the stream's root, not one of ours
    this.stream = stream;
    this.owner = owner;
  }

  /** Rows read so far. */
  public long rows() {
    return rows;
  }

  @Override
  public VectorSchemaRoot getVectorSchemaRoot() {
    return stream.getRoot();
  }

  @Override
  public boolean loadNextBatch() {
    if (!stream.next()) {
      return false;
    }
    rows += stream.getRoot().getRowCount();
    return true;
  }

  @Override
  public Dictionary lookup(long id) {
    return stream.getDictionaryProvider().lookup(id);
  }

  @Override
  public Set<Long> getDictionaryIds() {
    return stream.getDictionaryProvider().getDictionaryIds();
  }

  @Override
  public Map<Long, Dictionary> getDictionaryVectors() {
    return Dictionaries.byId(stream.getDictionaryProvider());
  }

  @Override
  public long bytesRead() {
    return 0;
  }

  @Override
  protected void closeReadSource() throws IOException {
    if (!owner) {
      return;
    }
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
