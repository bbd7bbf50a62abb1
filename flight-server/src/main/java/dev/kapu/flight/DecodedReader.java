package dev.kapu.flight;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A reader that gives dictionary-encoded columns (DuckDB's ENUMs) as the values they stand for, in
 * the dictionary's value type, for clients that would otherwise read the indices: the Flight SQL
 * JDBC driver ignores dictionaries. Encoded columns at the top level, as the elements of a list
 * and as the fields of a struct are decoded; one encoded deeper fails with a message naming it.
 * Other columns pass through without a copy; each batch has buffers of its own.
 */
public final class DecodedReader extends ArrowReader {
  private final ArrowReader source;
  private final Schema schema;

  /** Decodes {@code source}'s batches; closing this reader closes it. */
  public DecodedReader(ArrowReader source) throws IOException {
    super(allocatorOf(source.getVectorSchemaRoot()));
    this.source = source;
    this.schema = Dictionaries.decoded(source.getVectorSchemaRoot().getSchema(), source);
  }

  private static BufferAllocator allocatorOf(VectorSchemaRoot root) {
    // no vectors, nothing to account
    return root.getFieldVectors().isEmpty() ? null : root.getVector(0).getAllocator();
  }

  @Override
  public boolean loadNextBatch() throws IOException {
    prepareLoadNextBatch();
    if (!source.loadNextBatch()) {
      return false;
    }
    VectorSchemaRoot from = source.getVectorSchemaRoot();
    VectorSchemaRoot to = getVectorSchemaRoot();
    for (int i = 0; i < from.getFieldVectors().size(); i++) {
      move(from.getVector(i), to.getVector(i));
    }
    to.setRowCount(from.getRowCount());
    return true;
  }

  /**
   * Moves a batch's column into {@code to}, a vector of the decoded type: an encoded column as
   * the values its indices stand for, a nested one by sharing its own buffers (validity, offsets)
   * and moving its children, any other by transferring its buffers.
   */
  private void move(FieldVector from, FieldVector to) {
    Field field = from.getField();
    if (field.getDictionary() != null) {
      try (ValueVector decoded = DictionaryEncoder.decode(from, dictionary(field), allocator)) {
        decoded.makeTransferPair(to).transfer();
      }
      return;
    }
    if (!Dictionaries.used(new Schema(field.getChildren()))) {
      from.makeTransferPair(to).transfer();
      return;
    }
    to.loadFieldBuffers(new ArrowFieldNode(from.getValueCount(), from.getNullCount()), from.getFieldBuffers());
    List<FieldVector> children = from.getChildrenFromFields();
    List<FieldVector> decodedChildren = to.getChildrenFromFields();
    for (int i = 0; i < children.size(); i++) {
      move(children.get(i), decodedChildren.get(i));
    }
  }

  private Dictionary dictionary(Field field) {
    Dictionary dictionary = source.lookup(field.getDictionary().getId());
    if (dictionary == null) {
      throw new IllegalStateException("no dictionary for column '" + field.getName() + "'");
    }
    return dictionary;
  }

  @Override
  public Dictionary lookup(long id) {
    return null;
  }

  @Override
  public Set<Long> getDictionaryIds() {
    return Set.of();
  }

  @Override
  public Map<Long, Dictionary> getDictionaryVectors() {
    return Map.of();
  }

  @Override
  public long bytesRead() {
    return source.bytesRead();
  }

  @Override
  protected void closeReadSource() throws IOException {
    source.close();
  }

  @Override
  protected Schema readSchema() {
    return schema;
  }
}
