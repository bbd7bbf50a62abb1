package dev.kapu.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.flight.ForwardingReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider.MapDictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code kapu query}'s progress line: what it counts, when it shows, that it is cleared, and that the source closes once. */
class ProgressReaderTest {
  private static final String CLEAR = "\r\033[K";

  private final BufferAllocator allocator = new RootAllocator();

  @AfterEach
  void noLeaks() {
    allocator.close();
  }

  @Test
  void countsEveryBatchsRowsAndClosesItsSourceOnce() throws IOException {
    Closes source = new Closes(batches(3, 1000));
    ProgressReader reader = new ProgressReader(source, null);
    int batches = 0;
    while (reader.loadNextBatch()) {
      batches++;
    }
    assertThat(batches).isEqualTo(3);
    assertThat(reader.rows()).isEqualTo(3000);
    reader.close();
    reader.close(); // DuckDB closes the reader it wrote Parquet from, and so does kapu query
    assertThat(source.closes).isEqualTo(1);
  }

  /** A result that takes over a second shows a line, rewritten in place, and clears it at its end. */
  @Test
  void showsALineOnceAResultTakesASecondAndClearsItAtTheEnd() throws Exception {
    ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    try (ProgressReader reader = new ProgressReader(batches(3, 1000), new PrintStream(terminal, true, StandardCharsets.UTF_8))) {
      assertThat(reader.loadNextBatch()).isTrue();
      Thread.sleep(1_100); // past the second after which the line shows: a lower bound, whatever the machine's load
      assertThat(reader.loadNextBatch()).isTrue();
      assertThat(terminal.toString(StandardCharsets.UTF_8)).matches("\\r2,000 rows, \\d+\\.\\d MB, [\\d,]+ rows/s ");
      while (reader.loadNextBatch()) {
        // the last batch may come within the quarter second in which the line is not rewritten
      }
      assertThat(terminal.toString(StandardCharsets.UTF_8))
          .startsWith("\r2,000 rows, ")
          .endsWith(CLEAR)
          .containsOnlyOnce(CLEAR);
    }
  }

  /** Stopped early ({@code | head}): closing clears the line too. */
  @Test
  void closingEarlyClearsTheLine() throws Exception {
    ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    ProgressReader reader = new ProgressReader(batches(3, 10), new PrintStream(terminal, true, StandardCharsets.UTF_8));
    reader.loadNextBatch();
    Thread.sleep(1_100);
    reader.loadNextBatch();
    reader.close();
    assertThat(terminal.toString(StandardCharsets.UTF_8)).startsWith("\r20 rows, ").endsWith(CLEAR);
  }

  @Test
  void aResultQuickerThanASecondShowsNothing() throws IOException {
    ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    long started = System.nanoTime();
    try (ProgressReader reader = new ProgressReader(batches(2, 10), new PrintStream(terminal, true, StandardCharsets.UTF_8))) {
      while (reader.loadNextBatch()) {
        // read to the end
      }
    }
    long tookNanos = System.nanoTime() - started;
    System.out.printf("two tiny batches took %.1f ms%n", tookNanos / 1e6);
    if (tookNanos < 1_000_000_000L) { // a loaded machine may take longer: then the line may show, and is cleared
      assertThat(terminal.toString(StandardCharsets.UTF_8)).isEmpty();
    } else {
      assertThat(terminal.toString(StandardCharsets.UTF_8)).endsWith(CLEAR);
    }
  }

  /** {@code count} batches of {@code rows} INTs each. */
  private ArrowReader batches(int count, int rows) throws IOException {
    Consumer<VectorSchemaRoot> batch = root -> {
      IntVector n = (IntVector) root.getVector("n");
      n.allocateNew(rows);
      for (int i = 0; i < rows; i++) {
        n.set(i, i);
      }
      root.setRowCount(rows);
    };
    Schema schema = new Schema(List.of(Field.nullable("n", new ArrowType.Int(32, true))));
    return ArrowStreams.of(allocator, schema, new MapDictionaryProvider(), new ArrayList<>(Collections.nCopies(count, batch)));
  }

  /** Counts how often its source is closed. */
  private static final class Closes extends ForwardingReader {
    int closes;

    Closes(ArrowReader source) {
      super(source);
    }

    @Override
    protected void closeReadSource() throws IOException {
      closes++;
      super.closeReadSource();
    }
  }
}
