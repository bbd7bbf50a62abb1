package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
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
}
