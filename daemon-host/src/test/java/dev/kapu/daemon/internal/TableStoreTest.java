package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.Text;
import org.junit.jupiter.api.Test;

class TableStoreTest {
  private static final Schema SCHEMA = new Schema(List.of(Field.nullable("x", new ArrowType.Int(64, true))));

  /** {@code batches} batches of 3 rows counting up from 0; fails before batch {@code failAt} (-1: never). */
  private static ArrowReader numbers(BufferAllocator allocator, int batches, int failAt) {
    return new ArrowReader(allocator) {
      int next;

      @Override
      public boolean loadNextBatch() throws IOException {
        if (next == failAt) {
          throw new IOException("the source broke");
        }
        if (next == batches) {
          return false;
        }
        VectorSchemaRoot root = getVectorSchemaRoot();
        root.allocateNew();
        for (int i = 0; i < 3; i++) {
          ((BigIntVector) root.getVector(0)).setSafe(i, next * 3L + i);
        }
        root.setRowCount(3);
        next++;
        return true;
      }

      @Override
      public long bytesRead() {
        return 0;
      }

      @Override
      protected void closeReadSource() {}

      @Override
      protected Schema readSchema() {
        return SCHEMA;
      }
    };
  }

  private static List<Long> read(ArrowReader reader) throws IOException {
    List<Long> values = new ArrayList<>();
    try (reader) {
      while (reader.loadNextBatch()) {
        BigIntVector x = (BigIntVector) reader.getVectorSchemaRoot().getVector(0);
        for (int i = 0; i < reader.getVectorSchemaRoot().getRowCount(); i++) {
          values.add(x.get(i));
        }
      }
    }
    return values;
  }

  @Test
  void aTableReadsAgainAndAgainAndCreateNeverReplaces() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      TableStore store = new TableStore(allocator, Long.MAX_VALUE, names -> { });
      try (ArrowReader source = numbers(allocator, 2, -1)) {
        assertThat(store.create("t", source)).isTrue();
      }
      List<Long> expected = List.of(0L, 1L, 2L, 3L, 4L, 5L);
      assertThat(read(store.get("t"))).isEqualTo(expected);
      assertThat(read(store.get("t"))).isEqualTo(expected);
      assertThat(store.rowCount("t")).isEqualTo(6);
      assertThat(store.bytes("t")).isPositive();

      try (ArrowReader source = numbers(allocator, 1, -1)) {
        assertThat(store.create("t", source)).isFalse();
      }
      assertThat(read(store.get("t"))).isEqualTo(expected);

      // a source that fails half way stores nothing, and replaces nothing
      try (ArrowReader source = numbers(allocator, 3, 2)) {
        assertThatThrownBy(() -> store.put("t", source)).hasMessageContaining("the source broke");
      }
      try (ArrowReader source = numbers(allocator, 3, 1)) {
        assertThatThrownBy(() -> store.create("u", source)).hasMessageContaining("the source broke");
      }
      assertThat(store.names()).containsExactly("t");
      assertThat(read(store.get("t"))).isEqualTo(expected);
      store.close(); // and nothing leaked: the allocators would refuse to close
    }
  }

  @Test
  void aBigBatchIsStoredInSlicesWithEveryRowInItsPlace() throws Exception {
    int big = 100_003;
    int small = 20;
    try (BufferAllocator allocator = new RootAllocator()) {
      byte[] stream = stream(allocator, big, small, 0);
      List<String> expected = rows(new ArrowStreamReader(new ByteArrayInputStream(stream), allocator));
      TableStore store = new TableStore(allocator, Long.MAX_VALUE, names -> { });
      try (ArrowReader source = new ArrowStreamReader(new ByteArrayInputStream(stream), allocator)) {
        store.put("t", source);
      }
      List<Integer> sizes = new ArrayList<>();
      List<String> stored = new ArrayList<>();
      try (ArrowReader table = store.get("t")) {
        while (table.loadNextBatch()) {
          VectorSchemaRoot root = table.getVectorSchemaRoot();
          sizes.add(root.getRowCount());
          stored.addAll(rows(root));
          long bytes = 0;
          for (FieldVector vector : root.getFieldVectors()) {
            bytes += vector.getBufferSize();
          }
          assertThat(bytes).isLessThan(TableStore.BATCH_BYTES + 8 * 64);
        }
      }
      assertThat(stored).isEqualTo(expected);
      assertThat(store.rowCount("t")).isEqualTo(big + small);
      // about 4 MB: equal slices of a multiple of 8 rows and a shorter last one, then the small
      // batch as it was, and the empty one
      int perSlice = sizes.get(0);
      int slices = sizes.size() - 2;
      assertThat(slices).isGreaterThan(4);
      assertThat(perSlice % 8).isZero();
      assertThat(sizes.subList(0, slices - 1)).allSatisfy(rows -> assertThat(rows).isEqualTo(perSlice));
      assertThat(sizes.subList(0, slices).stream().mapToInt(Integer::intValue).sum()).isEqualTo(big);
      assertThat(sizes.subList(slices, sizes.size())).containsExactly(small, 0);
      // one block of memory per stored batch: Arrow's rounding up to a power of two, paid once a batch,
      // costs a fraction of what it did on every buffer
      assertThat(store.allocator().getAllocatedMemory()).isLessThan(store.bytes("t") * 5 / 4);
      store.close();
    }
  }

  @Test
  void slicesAreMultiplesOfEightRowsThatCoverTheBatch() {
    assertThat(TableStore.sliceRows(65_536, 2_100_000, 512 * 1024)).isEqualTo(13_112); // 5 slices
    assertThat(TableStore.sliceRows(1_000, 400_000, 512 * 1024)).isEqualTo(1_000); // small enough
    assertThat(TableStore.sliceRows(10, 10_000_000, 1_000)).isEqualTo(8); // a row is too big already
    assertThat(TableStore.sliceRows(3, 10_000_000, 1_000)).isEqualTo(3);
    assertThat(TableStore.sliceRows(0, 0, 1_000)).isZero();
  }

  /** Each row as text, column by column. */
  private static List<String> rows(VectorSchemaRoot root) {
    List<String> rows = new ArrayList<>();
    for (int r = 0; r < root.getRowCount(); r++) {
      StringBuilder row = new StringBuilder();
      for (FieldVector vector : root.getFieldVectors()) {
        row.append(vector.getObject(r)).append('|');
      }
      rows.add(row.toString());
    }
    return rows;
  }

  private static List<String> rows(ArrowReader reader) throws IOException {
    try (reader) {
      List<String> rows = new ArrayList<>();
      while (reader.loadNextBatch()) {
        rows.addAll(rows(reader.getVectorSchemaRoot()));
      }
      return rows;
    }
  }

  /**
   * An IPC stream of batches of the given sizes: id BIGINT, s VARCHAR (every seventh null, lengths
   * varying), b BOOLEAN (every fifth null), l INT[] (every third null).
   */
  private static byte[] stream(BufferAllocator allocator, int... batches) throws IOException {
    try (BigIntVector id = new BigIntVector("id", allocator);
        VarCharVector s = new VarCharVector("s", allocator);
        BitVector b = new BitVector("b", allocator);
        ListVector l = ListVector.empty("l", allocator)) {
      l.addOrGetVector(FieldType.nullable(new ArrowType.Int(32, true)));
      VectorSchemaRoot root = new VectorSchemaRoot(List.of(id, s, b, l));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, out)) {
        writer.start();
        long next = 0;
        for (int rows : batches) {
          root.clear();
          root.allocateNew();
          IntVector items = (IntVector) l.getDataVector();
          int item = 0;
          for (int r = 0; r < rows; r++, next++) {
            id.setSafe(r, next);
            if (next % 7 == 0) {
              s.setNull(r);
            } else {
              s.setSafe(r, new Text("row " + next + "x".repeat((int) (next % 13))));
            }
            if (next % 5 == 0) {
              b.setNull(r);
            } else {
              b.setSafe(r, (int) (next % 2));
            }
            if (next % 3 == 0) {
              l.setNull(r);
            } else {
              l.startNewValue(r);
              for (int i = 0; i < next % 4; i++) {
                items.setSafe(item++, (int) next + i);
              }
              l.endValue(r, (int) (next % 4));
            }
          }
          items.setValueCount(item);
          root.setRowCount(rows);
          writer.writeBatch();
        }
        writer.end();
      }
      return out.toByteArray();
    }
  }
}
