package dev.kapu.flight;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider.MapDictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;
import org.junit.jupiter.api.Test;

/** Dictionary-encoded columns, at the top and inside a list, read as their values; the rest as it was. */
class DecodedReaderTest {
  private static final DictionaryEncoding MOODS = new DictionaryEncoding(7, false, new ArrowType.Int(8, true));

  @Test
  void encodedColumnsReadAsTheirValues() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      byte[] stream = streamWithDictionaries(allocator);
      List<String> rows = new ArrayList<>();
      try (ArrowReader decoded = new DecodedReader(new ArrowStreamReader(new ByteArrayInputStream(stream), allocator))) {
        Schema schema = decoded.getVectorSchemaRoot().getSchema();
        assertThat(schema.getFields()).allSatisfy(f -> assertThat(f.getDictionary()).isNull());
        assertThat(schema.findField("m").getType()).isEqualTo(ArrowType.Utf8.INSTANCE);
        assertThat(schema.findField("ms").getChildren().get(0).getType()).isEqualTo(ArrowType.Utf8.INSTANCE);
        assertThat(Dictionaries.decoded(schema, decoded)).isEqualTo(schema);
        while (decoded.loadNextBatch()) {
          VectorSchemaRoot root = decoded.getVectorSchemaRoot();
          for (int r = 0; r < root.getRowCount(); r++) {
            rows.add(root.getVector("id").getObject(r) + " " + root.getVector("m").getObject(r) + " "
                + root.getVector("ms").getObject(r));
          }
        }
      }
      assertThat(rows).containsExactly("1 happy [\"sad\",\"ok\"]", "2 sad []", "3 null null");
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  /** id INTEGER, m mood, ms mood[] as DuckDB sends them: moods dictionary-encoded. */
  private static byte[] streamWithDictionaries(BufferAllocator allocator) throws Exception {
    try (VarCharVector moods = new VarCharVector("moods", allocator);
        IntVector id = new IntVector("id", allocator);
        TinyIntVector m = new TinyIntVector("m", new FieldType(true, MOODS.getIndexType(), MOODS), allocator);
        ListVector ms = ListVector.empty("ms", allocator)) {
      String[] values = {"sad", "ok", "happy"};
      for (int i = 0; i < values.length; i++) {
        moods.setSafe(i, new Text(values[i]));
      }
      moods.setValueCount(values.length);
      MapDictionaryProvider provider = new MapDictionaryProvider();
      provider.put(new Dictionary(moods, MOODS));
      for (int r = 0; r < 3; r++) {
        id.setSafe(r, r + 1);
      }
      id.setValueCount(3);
      m.setSafe(0, 2);
      m.setSafe(1, 0);
      m.setNull(2);
      m.setValueCount(3);
      ms.addOrGetVector(new FieldType(true, MOODS.getIndexType(), MOODS));
      ms.allocateNew();
      TinyIntVector items = (TinyIntVector) ms.getDataVector();
      ms.startNewValue(0);
      items.setSafe(0, 0);
      items.setSafe(1, 1);
      ms.endValue(0, 2);
      ms.startNewValue(1);
      ms.endValue(1, 0);
      ms.setNull(2);
      items.setValueCount(2);
      ms.setValueCount(3);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (VectorSchemaRoot root = new VectorSchemaRoot(List.of(id, m, ms));
          ArrowStreamWriter writer = new ArrowStreamWriter(root, provider, out)) {
        root.setRowCount(3);
        writer.start();
        writer.writeBatch();
        writer.end();
      }
      return out.toByteArray();
    }
  }
}
