package dev.kapu.flight;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.compare.TypeEqualsVisitor;
import org.apache.arrow.vector.compare.VectorEqualsVisitor;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.dictionary.DictionaryProvider.MapDictionaryProvider;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;

/**
 * The dictionaries of dictionary-encoded columns (DuckDB exports its ENUMs so) for code that passes
 * batches on. A batch's indices mean something only with the dictionaries it was loaded with, and
 * readers may load new ones with any batch (DuckDB's C Data export brings them along with each), so
 * a reader that moves batches away from its source keeps each batch's own ({@link #share}); a writer
 * that sends dictionaries once, ahead of the batches, as Flight's stream listeners and the Arrow IPC
 * file format do, checks that they stay what it sent ({@link Fixed}).
 */
public final class Dictionaries {
  private Dictionaries() {}

  /** Whether any of {@code schema}'s fields, at any depth, is dictionary-encoded. */
  public static boolean used(Schema schema) {
    return !encoded(schema).isEmpty();
  }

  /**
   * The dictionaries {@code schema} uses, as {@code from} holds them now, sharing their buffers
   * (no copy). They stay as they are when {@code from} loads others, as Arrow's readers do, into
   * buffers of their own. The caller closes them.
   */
  public static MapDictionaryProvider share(Schema schema, DictionaryProvider from) {
    return share(encoded(schema).keySet(), from);
  }

  private static MapDictionaryProvider share(Set<Long> ids, DictionaryProvider from) {
    MapDictionaryProvider shared = new MapDictionaryProvider();
    try {
      for (long id : ids) {
        Dictionary dictionary = from.lookup(id);
        if (dictionary == null) {
          throw new IllegalStateException("the reader has no dictionary " + id + " for its encoded columns");
        }
        FieldVector vector = dictionary.getVector();
        TransferPair pair = vector.getTransferPair(vector.getAllocator());
        pair.splitAndTransfer(0, vector.getValueCount());
        shared.put(new Dictionary((FieldVector) pair.getTo(), dictionary.getEncoding()));
      }
    } catch (RuntimeException e) {
      shared.close();
      throw e;
    }
    return shared;
  }

  /**
   * {@code schema} with every dictionary-encoded field replaced by the values it stands for (the
   * dictionary's value type), as {@link DecodedReader} streams them; {@code provider} holds the
   * dictionaries (a reader has them from its schema on, before its first batch).
   *
   * @throws IllegalStateException if {@code provider} lacks a dictionary the schema names
   */
  public static Schema decoded(Schema schema, DictionaryProvider provider) {
    return new Schema(schema.getFields().stream().map(f -> decoded(f, provider)).toList(), schema.getCustomMetadata());
  }

  static Field decoded(Field field, DictionaryProvider provider) {
    if (field.getDictionary() != null) {
      Dictionary dictionary = provider.lookup(field.getDictionary().getId());
      if (dictionary == null) {
        throw new IllegalStateException("no dictionary " + field.getDictionary().getId() + " for column '"
            + field.getName() + "'");
      }
      Field values = decoded(dictionary.getVector().getField(), provider);
      return new Field(field.getName(),
          new FieldType(field.isNullable(), values.getType(), null, field.getMetadata()), values.getChildren());
    }
    if (!used(new Schema(field.getChildren()))) {
      return field;
    }
    return new Field(field.getName(), field.getFieldType(),
        field.getChildren().stream().map(c -> decoded(c, provider)).toList());
  }

  /** {@code provider}'s dictionaries by id, as {@link org.apache.arrow.vector.ipc.ArrowReader#getDictionaryVectors} gives them. */
  public static Map<Long, Dictionary> byId(DictionaryProvider provider) {
    return provider.getDictionaryIds().stream().collect(Collectors.toMap(id -> id, provider::lookup));
  }

  /** Dictionary id → the path of the first field encoded with it. */
  private static Map<Long, String> encoded(Schema schema) {
    return encoded(schema.getFields(), "", new LinkedHashMap<>());
  }

  private static Map<Long, String> encoded(List<Field> fields, String parent, Map<Long, String> into) {
    for (Field field : fields) {
      String path = parent + field.getName();
      if (field.getDictionary() != null) {
        into.putIfAbsent(field.getDictionary().getId(), path);
      }
      encoded(field.getChildren(), path + ".", into);
    }
    return into;
  }

  /**
   * The dictionaries a writer sent ahead of a stream's batches, as the first batch had them:
   * {@link #check} refuses a later batch whose dictionaries are others, since its indices would be
   * read against the wrong values. Close it when the stream ends.
   */
  public static final class Fixed implements AutoCloseable {
    /** Dictionary id → the column it encodes. */
    private final Map<Long, String> columns;
    private final String carrier;
    private MapDictionaryProvider sent;

    /**
     * @param carrier what holds one dictionary per column, for the message of a refusal ("a Flight
     *     stream")
     */
    public Fixed(Schema schema, String carrier) {
      this.columns = encoded(schema);
      this.carrier = carrier;
    }

    /**
     * Call before writing each batch: keeps {@code reader}'s dictionaries at the first and compares
     * them with those at every other (at no cost while they are the same buffers, as a Flight
     * stream's are).
     *
     * @throws IllegalStateException naming the column whose dictionary changed
     */
    public void check(DictionaryProvider reader) {
      if (sent == null) {
        sent = share(columns.keySet(), reader);
        return;
      }
      for (Map.Entry<Long, String> column : columns.entrySet()) {
        FieldVector before = sent.lookup(column.getKey()).getVector();
        FieldVector now = reader.lookup(column.getKey()).getVector();
        if (!sameBuffers(before, now) && !VectorEqualsVisitor.vectorEquals(before, now,
            (left, right) -> new TypeEqualsVisitor(right, false, false).equals(left))) {
          throw new IllegalStateException("column '" + column.getValue() + "' changed its dictionary after the"
              + " first batch, and " + carrier + " carries one dictionary per column: cast the column to the"
              + " type of its values (VARCHAR for an ENUM)");
        }
      }
    }

    /**
     * Whether both are the same memory, which then holds the same values: the kept dictionary
     * holds on to it, and readers load new dictionaries into buffers of their own.
     */
    private static boolean sameBuffers(FieldVector a, FieldVector b) {
      List<FieldVector> left = a.getChildrenFromFields();
      List<FieldVector> right = b.getChildrenFromFields();
      if (a.getValueCount() != b.getValueCount() || !addresses(a).equals(addresses(b)) || left.size() != right.size()) {
        return false;
      }
      for (int i = 0; i < left.size(); i++) {
        if (!sameBuffers(left.get(i), right.get(i))) {
          return false;
        }
      }
      return true;
    }

    private static List<Long> addresses(FieldVector vector) {
      return vector.getFieldBuffers().stream().map(ArrowBuf::memoryAddress).toList();
    }

    @Override
    public void close() {
      if (sent != null) {
        sent.close();
      }
    }
  }
}
