package dev.kapu.flight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider.MapDictionaryProvider;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;
import org.junit.jupiter.api.Test;

/**
 * {@link Dictionaries.Fixed}, as a writer that sends dictionaries once uses it: a reader may load
 * the same dictionary again with each batch (DuckDB's export does), but not another one.
 */
class DictionariesTest {
  static final DictionaryEncoding ENCODING = new DictionaryEncoding(3, false, new ArrowType.Int(8, false));

  @Test
  void aWriterRefusesADictionaryThatChanges() {
    Schema schema = new Schema(List.of(new Field("color",
        new FieldType(true, new ArrowType.Int(8, false), ENCODING), List.of())));
    try (BufferAllocator allocator = new RootAllocator();
        MapDictionaryProvider reader = new MapDictionaryProvider()) {
      try (Dictionaries.Fixed sent = new Dictionaries.Fixed(schema, "a test stream")) {
        load(reader, allocator, "red", "green");
        sent.check(reader);
        load(reader, allocator, "red", "green"); // the same values in buffers of their own
        sent.check(reader);
        load(reader, allocator, "green", "red");
        assertThatThrownBy(() -> sent.check(reader)).isInstanceOf(IllegalStateException.class)
            .hasMessageStartingWith("column 'color' changed its dictionary after the first batch, and a test"
                + " stream carries one dictionary per column");
      }
      reader.close();
      assertThat(allocator.getAllocatedMemory()).as("the dictionaries kept are freed").isZero();
    }
  }

  /** Replaces {@code reader}'s dictionary, as a reader loading a batch with a dictionary does. */
  private static void load(MapDictionaryProvider reader, BufferAllocator allocator, String... values) {
    VarCharVector vector = new VarCharVector("values", allocator);
    for (int i = 0; i < values.length; i++) {
      vector.setSafe(i, new Text(values[i]));
    }
    vector.setValueCount(values.length);
    Dictionary previous = reader.lookup(ENCODING.getId());
    if (previous != null) {
      previous.getVector().close();
    }
    reader.put(new Dictionary(vector, ENCODING));
  }
}
