package dev.kapu.flight.sql;

import dev.kapu.flight.status.StatementRun;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.dictionary.DictionaryProvider;

/**
 * A relayed result's listener that counts what it passes to the client: each batch's rows and the
 * bytes of its Arrow buffers, into the statement's {@link StatementRun}.
 */
final class SentCounter implements ServerStreamListener {
  private final ServerStreamListener client;
  private final StatementRun run;
  private VectorSchemaRoot root;

  SentCounter(ServerStreamListener client, StatementRun run) {
    this.client = client;
    this.run = run;
  }

  @Override
  public boolean isCancelled() {
    return client.isCancelled();
  }

  @Override
  public void setOnCancelHandler(Runnable handler) {
    client.setOnCancelHandler(handler);
  }

  @Override
  public boolean isReady() {
    return client.isReady();
  }

  @Override
  public void setOnReadyHandler(Runnable handler) {
    client.setOnReadyHandler(handler);
  }

  @Override
  public void start(VectorSchemaRoot started, DictionaryProvider dictionaries, IpcOption option) {
    this.root = started;
    client.start(started, dictionaries, option);
  }

  @Override
  public void putNext() {
    count();
    client.putNext();
  }

  @Override
  public void putNext(ArrowBuf metadata) {
    count();
    client.putNext(metadata);
  }

  @Override
  public void setUseZeroCopy(boolean enabled) {
    client.setUseZeroCopy(enabled);
  }

  @Override
  public void putMetadata(ArrowBuf metadata) {
    client.putMetadata(metadata);
  }

  private void count() {
    if (root == null) {
      return;
    }
    long bytes = 0;
    for (FieldVector v : root.getFieldVectors()) {
      bytes += v.getBufferSize();
    }
    run.sent(root.getRowCount(), bytes);
  }

  @Override
  public void error(Throwable ex) {
    client.error(ex);
  }

  @Override
  public void completed() {
    client.completed();
  }
}
