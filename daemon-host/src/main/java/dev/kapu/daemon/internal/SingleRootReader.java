package dev.kapu.daemon.internal;

import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/** One filled root as a reader of one batch; closing the reader closes the root. */
public final class SingleRootReader extends ArrowReader {
  private final VectorSchemaRoot root;
  private boolean read;

  public SingleRootReader(VectorSchemaRoot root) {
    super(null); // the batch is the root itself: nothing is loaded
    this.root = root;
  }

  @Override
  public VectorSchemaRoot getVectorSchemaRoot() {
    return root;
  }

  @Override
  public boolean loadNextBatch() {
    boolean first = !read;
    read = true;
    return first;
  }

  @Override
  public long bytesRead() {
    return 0;
  }

  @Override
  protected void closeReadSource() {
    root.close();
  }

  @Override
  protected Schema readSchema() {
    return root.getSchema();
  }
}
