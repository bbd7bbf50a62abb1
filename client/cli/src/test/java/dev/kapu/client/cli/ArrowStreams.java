package dev.kapu.client.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider.MapDictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.Schema;

/** Results for the writers to read: batches written as a real Arrow IPC stream, read back by Arrow's reader. */
final class ArrowStreams {
  private ArrowStreams() {}

  /**
   * A reader of {@code batches} (each fills the root and sets its row count), with {@code
   * dictionaries} sent ahead of them, as a Flight SQL server sends an ENUM's. Closes {@code dictionaries}.
   */
  static ArrowReader of(BufferAllocator allocator, Schema schema, MapDictionaryProvider dictionaries,
      List<Consumer<VectorSchemaRoot>> batches) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (dictionaries;
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ArrowStreamWriter writer = new ArrowStreamWriter(root, dictionaries, bytes)) {
      writer.start();
      for (Consumer<VectorSchemaRoot> batch : batches) {
        batch.accept(root);
        writer.writeBatch();
      }
      writer.end();
    }
    return new ArrowStreamReader(new ByteArrayInputStream(bytes.toByteArray()), allocator);
  }
}
