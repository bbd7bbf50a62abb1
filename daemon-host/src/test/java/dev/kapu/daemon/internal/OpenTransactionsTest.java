package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.ReadOnlyException;
import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.flight.sql.TransactionEndedException;
import java.io.IOException;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A daemon's open transactions on a real, in-process DuckDB. */
class OpenTransactionsTest {
  private static final Duration LONG = Duration.ofMinutes(5);
  private static final long NO_LIMIT = Long.MAX_VALUE;

  private TestResources.Environment environment;
  private HostedResource duckdb;
  private ScheduledThreadPoolExecutor timer;
  private final AtomicInteger announced = new AtomicInteger();
  private OpenTransactions open;

  @BeforeEach
  void open() throws Exception {
    environment = new TestResources.Environment();
    duckdb = new DuckDbKind().open(ResourceSpec.pinned("db", "duckdb", Map.of()), environment);
    try (TestResources.Scope scope = new TestResources.Scope()) {
      Connection c = duckdb.get(Connection.class, scope);
      c.createStatement().execute("CREATE TABLE t AS SELECT range AS id FROM range(2)");
      c.createStatement().execute("CREATE SEQUENCE seq");
      c.createStatement().execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
    }
    timer = new ScheduledThreadPoolExecutor(1);
    open = new OpenTransactions(name -> {
      if (!name.equals("db")) {
        throw new IllegalArgumentException("no resource '" + name + "'");
      }
      return duckdb;
    }, timer, announced::incrementAndGet);
  }

  @AfterEach
  void close() throws Exception {
    open.close();
    timer.shutdownNow();
    duckdb.close();
    environment.close(); // fails on leaked Arrow memory
  }

  /** What a statement outside any transaction sees. */
  private long countOutside() throws Exception {
    try (ArrowReader reader = duckdb.query("SELECT count(*) FROM t", List.of(), environment.allocator(), TestResources.SCOPE)) {
      reader.loadNextBatch();
      return ((Number) reader.getVectorSchemaRoot().getVector(0).getObject(0)).longValue();
    }
  }

  private List<Object> column(String transaction, String sql) throws Exception {
    List<Object> values = new ArrayList<>();
    try (ArrowReader reader = open.use(transaction, held -> held.query(sql, List.of(), environment.allocator()))) {
      while (reader.loadNextBatch()) {
        FieldVector v = reader.getVectorSchemaRoot().getVector(0);
        for (int i = 0; i < v.getValueCount(); i++) {
          values.add(v.getObject(i));
        }
      }
    }
    return values;
  }

  @Test
  void aTransactionSeesItsChangesWhichOthersSeeOnceItCommits() throws Exception {
    String id = open.begin("db", false, Connection.TRANSACTION_NONE, LONG, NO_LIMIT);
    assertThat(id).startsWith(open.address() + "/");
    assertThat(dev.kapu.api.builtin.TransactionTasks.address(id)).isEqualTo(open.address());
    assertThat(open.announced()).isTrue();
    long inserted = open.use(id, held -> held.update("INSERT INTO t VALUES (?)", List.of(7)));
    assertThat(inserted).isEqualTo(1);
    assertThat(column(id, "SELECT count(*) FROM t")).containsExactly(3L);
    assertThat(countOutside()).isEqualTo(2);
    open.end(id, true);
    assertThat(countOutside()).isEqualTo(3);

    String undone = open.begin("db", false, Connection.TRANSACTION_NONE, LONG, NO_LIMIT);
    open.use(undone, held -> held.update("DELETE FROM t", List.of()));
    open.end(undone, false);
    assertThat(countOutside()).isEqualTo(3);
    assertThat(announced).as("the address is announced once, at the first transaction").hasValue(1);
    assertThat(open.isEmpty()).isTrue();
    assertThatThrownBy(() -> open.use(undone, held -> held.update("DELETE FROM t", List.of())))
        .isInstanceOf(TransactionEndedException.class).hasMessageContaining("it was rolled back");
    assertThatThrownBy(() -> open.end(id, false)).hasMessageContaining("it was committed");
    assertThatThrownBy(() -> open.end(open.address() + "/nope", false)).hasMessageContaining("never held it");
  }

  @Test
  void anIdleTransactionIsRolledBack() throws Exception {
    String id = open.begin("db", false, Connection.TRANSACTION_NONE, Duration.ofMillis(300), NO_LIMIT);
    open.use(id, held -> held.update("INSERT INTO t VALUES (9)", List.of()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!open.isEmpty()) {
      assertThat(System.nanoTime()).as("rolled back within its timeout plus slack").isLessThan(deadline);
      Thread.sleep(50);
    }
    assertThatThrownBy(() -> column(id, "SELECT 1")).isInstanceOf(TransactionEndedException.class)
        .hasMessageContaining("without a statement (its idle timeout)");
    long released = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (countOutside() != 2) { // the rollback itself runs on a thread of its own
      assertThat(System.nanoTime()).isLessThan(released);
      Thread.sleep(50);
    }
  }

  @Test
  void aReadOnlyTransactionLetsTheDatabaseRefuseWrites() throws Exception {
    String id = open.begin("db", true, Connection.TRANSACTION_NONE, LONG, NO_LIMIT);
    assertThat(column(id, "SELECT count(*) FROM t")).containsExactly(2L);
    assertThatThrownBy(() -> open.use(id, held -> held.update("DELETE FROM t", List.of())))
        .isInstanceOf(ReadOnlyException.class);
    String other = open.begin("db", true, Connection.TRANSACTION_NONE, LONG, NO_LIMIT);
    assertThatThrownBy(() -> column(other, "SELECT nextval('seq')")).isInstanceOf(ReadOnlyException.class)
        .hasMessageContaining("read-only");
    open.end(id, true); // nothing to commit: it ends
    open.end(other, false);
    assertThat(countOutside()).isEqualTo(2);
  }

  @Test
  void duckDbHasNoSavepointsNorSerializableAndTheTransactionGoesOn() throws Exception {
    String id = open.begin("db", false, Connection.TRANSACTION_NONE, LONG, NO_LIMIT);
    open.use(id, held -> held.update("INSERT INTO t VALUES (5)", List.of()));
    assertThatThrownBy(() -> open.savepoint(id, "s")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("resource 'db' (DuckDB) has no savepoints");
    assertThat(column(id, "SELECT count(*) FROM t")).containsExactly(3L);
    open.end(id, true);
    assertThatThrownBy(() -> open.begin("db", false, Connection.TRANSACTION_SERIALIZABLE, LONG, NO_LIMIT))
        .hasMessage("resource 'db' (DuckDB) does not offer isolation level SERIALIZABLE");
    assertThatThrownBy(() -> open.begin("elsewhere", false, Connection.TRANSACTION_NONE, LONG, NO_LIMIT))
        .hasMessageContaining("no resource 'elsewhere'");
    assertThat(open.isEmpty()).isTrue();
  }

  @Test
  void aResultPastTheLimitIsRefusedAndTheTransactionGoesOn() throws Exception {
    String id = open.begin("db", false, Connection.TRANSACTION_NONE, LONG, 100_000);
    assertThatThrownBy(() -> column(id, "SELECT range AS n FROM range(1000000)")).isInstanceOf(IOException.class)
        .hasMessageContaining("passed the limit of 100000 bytes");
    assertThat(column(id, "SELECT count(*) FROM range(1000000)")).containsExactly(1000000L);
    open.end(id, false);
  }

  @Test
  void aResultOfManyBatchesKeepsEachBatchsDictionaries() throws Exception {
    String id = open.begin("db", false, Connection.TRANSACTION_NONE, LONG, NO_LIMIT);
    List<String> moods = new ArrayList<>();
    long rows = 0;
    try (ArrowReader reader = open.use(id, held -> held.query(
        "SELECT (['sad', 'ok', 'happy'])[1 + range % 3]::mood AS m FROM range(200000)", List.of(),
        environment.allocator()))) {
      while (reader.loadNextBatch()) {
        FieldVector indices = reader.getVectorSchemaRoot().getVector(0);
        Dictionary dictionary = reader.lookup(indices.getField().getDictionary().getId());
        try (ValueVector values = DictionaryEncoder.decode(indices, dictionary)) {
          for (int i = 0; i < values.getValueCount() && moods.size() < 4; i++) {
            moods.add(values.getObject(i).toString());
          }
        }
        rows += indices.getValueCount();
      }
    }
    assertThat(rows).isEqualTo(200_000);
    assertThat(moods).containsExactly("sad", "ok", "happy", "sad");
    open.end(id, false);
  }

  @Test
  void closingRollsBackWhatIsOpen() throws Exception {
    String id = open.begin("db", false, Connection.TRANSACTION_NONE, LONG, NO_LIMIT);
    open.use(id, held -> held.update("DELETE FROM t", List.of()));
    open.close();
    assertThat(countOutside()).isEqualTo(2);
  }
}
