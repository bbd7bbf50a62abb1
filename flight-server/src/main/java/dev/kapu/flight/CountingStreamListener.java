package dev.kapu.flight;

import java.util.function.BiConsumer;
import org.apache.arrow.flight.FlightProducer.ServerStreamListener;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.dictionary.DictionaryProvider;

/**
 * A result's listener that counts what it passes to the client, each batch's rows and the bytes of
 * its Arrow buffers, and remembers how the stream ended: for the status of Flight SQL statements,
 * relayed by the server or fetched from a daemon.
 */
public final class CountingStreamListener implements ServerStreamListener {
  private final ServerStreamListener client;
  private final BiConsumer<Long, Long> onBatch;
  private VectorSchemaRoot root;
  private long rows;
  private long bytes;
  private volatile Throwable failure;
  private volatile boolean completed;

  /** @param onBatch hears each batch's rows and bytes as it goes out */
  public CountingStreamListener(ServerStreamListener client, BiConsumer<Long, Long> onBatch) {
    this.client = client;
    this.onBatch = onBatch;
  }

  /** Rows sent so far. */
  public long rows() {
    return rows;
  }

  /** Bytes of Arrow buffers sent so far. */
  public long bytes() {
    return bytes;
  }

  /** Whether the stream completed; false if it failed or has not ended. */
  public boolean succeeded() {
    return completed;
  }

  /** What the stream ended with, if it failed; null otherwise. */
  public Throwable failure() {
    return failure;
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
    long size = Batches.bytes(root);
    int n = root.getRowCount();
    rows += n;
    bytes += size;
    onBatch.accept((long) n, size);
  }

  @Override
  public void error(Throwable ex) {
    failure = ex;
    client.error(ex);
  }

  @Override
  public void completed() {
    completed = true;
    client.completed();
  }
}
