package dev.kapu.daemon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kapu.api.ResourceSpec;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.daemon.spi.TaskScope;
import dev.kapu.serial.ErrorCategory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A cancel that arrives before the database runs the statement (while the query is set up, or
 * just as it registers how to stop it) still stops it: databases ignore a cancel for a statement
 * they have not begun, so each of these queries, hours of work, ran on before the guard
 * ({@link StatementGuard}). The relay of {@code kapu serve} lost a JDBC {@code Statement.cancel()}
 * this way (FlightSqlCancelServeTest). The bounds are hang guards, not measurements.
 */
class EarlyCancelTest {
  /** Hours of DuckDB work before its one row. */
  private static final String DUCKDB_SLOW = "SELECT sum(a.range * b.range) AS s FROM range(1000000) a, range(1000000) b";
  private static final String POSTGRES_SLOW = "SELECT pg_sleep(600) AS slept";

  private static TestResources.Environment environment;
  private static HostedResource duckdb;
  private static TestPostgres postgres;
  private static HostedResource pg;
  private static final ExecutorService queries = Executors.newCachedThreadPool();

  @BeforeAll
  static void open() throws Exception {
    environment = new TestResources.Environment();
    duckdb = new DuckDbKind().open(ResourceSpec.pinned("db", "duckdb", Map.of()), environment);
    postgres = TestPostgres.start();
    pg = new JdbcKind().open(ResourceSpec.replicated("pg", "jdbc", Map.of("url", postgres.url(),
        "user", TestPostgres.USER, "password", TestPostgres.PASSWORD)), environment);
  }

  @AfterAll
  static void close() throws Exception {
    queries.shutdownNow();
    if (pg != null) {
      pg.close();
    }
    if (duckdb != null) {
      duckdb.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    environment.close();
  }

  @Test
  void aDuckDbQueryCancelledAsItRegistersItsStopDoesNotRun() throws Exception {
    assertStopped(() -> duckdb.query(DUCKDB_SLOW, List.of(), environment.allocator(), new CancelledOnRegistration()));
  }

  @Test
  void aPostgresQueryCancelledAsItRegistersItsStopDoesNotRun() throws Exception {
    assertStopped(() -> pg.query(POSTGRES_SLOW, List.of(), environment.allocator(), new CancelledOnRegistration()));
  }

  /** The daemon's own path: a parked result cancelled while its query is still being set up. */
  @Test
  void aParkedDuckDbQueryCancelledWhileItOpensIsCancelled() throws Exception {
    CountDownLatch opening = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    PendingResult result = PendingResult.open(queries, scope -> {
      opening.countDown();
      cancelled.await(); // the cancel comes while the query is set up
      return duckdb.query(DUCKDB_SLOW, List.of(), environment.allocator(), scope);
    }, e -> CallStatus.INTERNAL.withCause(e).toRuntimeException(), null);
    opening.await();
    result.stop();
    cancelled.countDown();
    Future<ArrowReader> fetched = queries.submit(result::await);
    assertThatThrownBy(() -> fetched.get(60, TimeUnit.SECONDS)).cause()
        .isInstanceOf(FlightRuntimeException.class)
        .satisfies(e -> assertThat(((FlightRuntimeException) e).status().code()).isEqualTo(FlightStatusCode.CANCELLED));
  }

  @Test
  void aStatementGuardRepeatsItsCancelUntilTheDatabaseHeedsIt() throws Exception {
    TestResources.Scope scope = new TestResources.Scope();
    StopActions stops = new StopActions();
    int[] cancels = {0};
    Object lock = new Object();
    StatementGuard guard = StatementGuard.register(new TaskScope() {
      @Override
      public void closeAtEnd(AutoCloseable resource) {
        scope.closeAtEnd(resource);
      }

      @Override
      public void onStop(StopAction action) {
        stops.add(action);
      }
    }, () -> {
      synchronized (lock) {
        cancels[0]++;
        lock.notifyAll();
      }
    });
    Future<String> running = queries.submit(() -> guard.execute(() -> {
      stops.stop(); // the stop comes as the statement starts, when a database may not heed it yet
      synchronized (lock) {
        while (cancels[0] < 3) { // ignores the first two cancels, as a database that had not begun
          lock.wait();
        }
      }
      return "interrupted";
    }));
    assertThat(running.get(60, TimeUnit.SECONDS)).isEqualTo("interrupted");
    int after = cancels[0];
    Thread.sleep(500);
    assertThat(cancels[0]).as("no cancel once the statement returned").isEqualTo(after);
    assertThatThrownBy(() -> guard.execute(() -> "again")).hasMessageContaining("cancelled before it started");
  }

  private interface Query {
    ArrowReader start() throws Exception;
  }

  /** Starts the query; it must fail, cancelled, instead of working for hours. */
  private static void assertStopped(Query query) throws Exception {
    long started = System.nanoTime();
    Future<ArrowReader> running = queries.submit(query::start);
    assertThatThrownBy(() -> running.get(60, TimeUnit.SECONDS).close()).cause()
        .satisfies(e -> assertThat(DatabaseErrors.categorize(e)).isEqualTo(ErrorCategory.CANCELLED));
    System.out.println("cancelled_before_start_ms=" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  /**
   * A scope whose stop comes right after the query registered how to stop it, before the
   * database has the statement: the moment a cancel used to be lost.
   */
  private static final class CancelledOnRegistration implements TaskScope {
    private final StopActions stops = new StopActions();

    @Override
    public void closeAtEnd(AutoCloseable resource) {
      throw new UnsupportedOperationException("the kinds' readers own what they open");
    }

    @Override
    public void onStop(StopAction action) {
      stops.add(action);
      stops.stop();
    }
  }
}
