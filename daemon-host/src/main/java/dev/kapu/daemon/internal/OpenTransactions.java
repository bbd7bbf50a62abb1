package dev.kapu.daemon.internal;

import dev.kapu.api.ReadOnlyException;
import dev.kapu.api.builtin.TransactionTasks;
import dev.kapu.daemon.spi.HostedResource;
import dev.kapu.flight.sql.TransactionEndedException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactions a daemon holds open, each on a connection of its own ({@link HeldTransaction}),
 * by id. From its first transaction on, the daemon hosts one more name besides its resources, its
 * {@link #address()}, unique to this process; a transaction's id starts with it, so the dispatcher
 * routes the transaction's statements here and nowhere else. When the daemon goes, so does the
 * name, and a statement sent to it fails instead of running elsewhere (a daemon started again has
 * another address).
 *
 * <p>Statements of one transaction run one at a time. One left idle past its idle timeout is rolled
 * back; so is every one still open when the daemon closes. An ended transaction's id is remembered
 * a while with how it ended, so that a late statement says why it cannot run.
 */
public final class OpenTransactions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OpenTransactions.class);
  /** Open transactions a daemon holds at most: each holds a connection. */
  private static final int MOST_OPEN = 256;
  private static final int ENDED_REMEMBERED = 4096;

  private final ResourceLookup resources;
  private final String address = TransactionTasks.ADDRESS_PREFIX + UUID.randomUUID();
  private final ScheduledExecutorService timer;
  private final Runnable announce;
  private final AtomicBoolean announced = new AtomicBoolean();
  private final Map<String, Open> open = new ConcurrentHashMap<>();
  private final Map<String, String> ended = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > ENDED_REMEMBERED;
    }
  };
  /** Rolls back idle transactions, away from the timer thread that finds them (a rollback may wait on a database). */
  private final ExecutorService rollbacks = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "kapu-transaction-rollback");
    t.setDaemon(true);
    return t;
  });

  /** Finds a hosted resource by name. */
  @FunctionalInterface
  public interface ResourceLookup {
    HostedResource get(String name);
  }

  /** A statement's work on a held transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(HeldTransaction transaction) throws Exception;
  }

  private static final class Open {
    final HeldTransaction held;
    final long idleNanos;
    final ReentrantLock lock = new ReentrantLock();
    volatile long lastUsed = System.nanoTime();

    Open(HeldTransaction held, long idleNanos) {
      this.held = held;
      this.idleNanos = idleNanos;
    }
  }

  /**
   * @param timer checks for idle transactions every second, from the first transaction on (a JVM may
   *     run hundreds of daemons that never hold one)
   * @param announce tells the dispatcher the daemon's hosted names, the address now among them;
   *     run once, as the first transaction begins, before its id is handed out
   */
  public OpenTransactions(ResourceLookup resources, ScheduledExecutorService timer, Runnable announce) {
    this.resources = resources;
    this.announce = announce;
    this.timer = timer;
  }

  /** The name this daemon hosts for its transactions: their ids start with it and a slash. */
  public String address() {
    return address;
  }

  /** Whether the address is hosted: once a transaction has begun here. */
  public boolean announced() {
    return announced.get();
  }

  public boolean isEmpty() {
    return open.isEmpty();
  }

  /**
   * Begins a transaction on {@code resource}: a connection of its own, in manual commit, or for a
   * caller who may only read the resource's read-only connection (the database refuses writes).
   *
   * @param isolation a {@link Connection} {@code TRANSACTION_*} level, or {@code TRANSACTION_NONE}
   * @return its id
   */
  public String begin(String resource, boolean readOnly, int isolation, Duration idle, long resultLimitBytes)
      throws Exception {
    if (open.size() >= MOST_OPEN) {
      throw new IllegalStateException("this daemon holds " + MOST_OPEN + " open transactions, its most:"
          + " commit or roll back some first");
    }
    HostedResource hosted = resources.get(resource);
    List<AutoCloseable> scope = new ArrayList<>();
    String id = address + "/" + UUID.randomUUID();
    try {
      Connection connection;
      if (readOnly) {
        connection = hosted.readOnlyConnection(scope::add);
        // The first statement prepared begins its read-only transaction: this one, so that none of
        // the client's statements exposes the daemon's Arrow tables (a view it could not drop).
        connection.prepareStatement("SELECT 1").close();
      } else {
        connection = connection(hosted, resource, scope);
        connection.setAutoCommit(false);
      }
      isolate(connection, resource, isolation);
      HeldTransaction held = new HeldTransaction(id, resource, hosted, readOnly, connection, scope, resultLimitBytes);
      open.put(id, new Open(held, idle.toNanos()));
      if (announced.compareAndSet(false, true)) {
        sweepIdle();
        announce.run();
      }
    } catch (Exception e) {
      try {
        HeldTransaction.release(scope);
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    log.debug("began transaction {} on '{}'{}", id, resource, readOnly ? " (read-only)" : "");
    return id;
  }

  private static Connection connection(HostedResource hosted, String resource, List<AutoCloseable> scope)
      throws Exception {
    try {
      return hosted.get(Connection.class, scope::add);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("resource '" + resource + "' (kind " + hosted.kind()
          + ") offers no transactions: they need a JDBC connection (duckdb, jdbc)", e);
    }
  }

  private static void isolate(Connection connection, String resource, int isolation) throws Exception {
    if (isolation == Connection.TRANSACTION_NONE) {
      return;
    }
    DatabaseMetaData meta = connection.getMetaData();
    if (!meta.supportsTransactionIsolationLevel(isolation)) {
      throw new IllegalArgumentException("resource '" + resource + "' (" + meta.getDatabaseProductName()
          + ") does not offer isolation level " + levelName(isolation));
    }
    if (connection.getTransactionIsolation() != isolation) {
      connection.setTransactionIsolation(isolation);
    }
  }

  private static String levelName(int isolation) {
    return switch (isolation) {
      case Connection.TRANSACTION_READ_UNCOMMITTED -> "READ UNCOMMITTED";
      case Connection.TRANSACTION_READ_COMMITTED -> "READ COMMITTED";
      case Connection.TRANSACTION_REPEATABLE_READ -> "REPEATABLE READ";
      case Connection.TRANSACTION_SERIALIZABLE -> "SERIALIZABLE";
      default -> "#" + isolation;
    };
  }

  /**
   * Runs {@code work} on the open transaction {@code id}, after the statements before it.
   *
   * @throws TransactionEndedException if it is not open here, saying how it ended
   */
  public <T> T use(String id, Work<T> work) throws Exception {
    Open o = acquire(id);
    try {
      return work.run(o.held);
    } catch (Exception e) {
      if (o.held.readOnly()) {
        ReadOnlyException.throwIfDatabaseRefusal(e); // a write hidden in a query, refused by the database
      }
      throw e;
    } finally {
      o.lastUsed = System.nanoTime();
      o.lock.unlock();
    }
  }

  /** Sets a savepoint; its id. */
  public String savepoint(String id, String name) throws Exception {
    return use(id, held -> held.savepoint(name));
  }

  /** Releases a savepoint, or rolls back to it. */
  public void endSavepoint(String id, String savepoint, boolean rollback) throws Exception {
    use(id, held -> {
      held.endSavepoint(savepoint, rollback);
      return null;
    });
  }

  /** Commits or rolls back, and releases its connection; the transaction ends either way. */
  public void end(String id, boolean commit) throws Exception {
    Open o = acquire(id);
    try {
      forget(id, commit ? "committed" : "rolled back");
      o.held.end(commit);
    } finally {
      o.lock.unlock();
    }
  }

  /** The transaction, locked for the caller; interrupted while waiting, the caller gives up. */
  private Open acquire(String id) throws InterruptedException {
    Open o = open.get(id);
    if (o != null) {
      o.lock.lockInterruptibly();
      if (open.get(id) == o) {
        return o;
      }
      o.lock.unlock(); // it ended while we waited
    }
    String how;
    synchronized (ended) {
      how = ended.get(id);
    }
    throw new TransactionEndedException("transaction " + id + " is not open: " + (how != null ? "it was " + how
        : "this daemon never held it (was it begun on a daemon that has since gone?)"));
  }

  private void forget(String id, String how) {
    synchronized (ended) {
      ended.put(id, how);
    }
    open.remove(id);
  }

  private void sweepIdle() {
    try {
      timer.scheduleWithFixedDelay(this::rollBackIdle, 1, 1, TimeUnit.SECONDS);
    } catch (RejectedExecutionException e) {
      // the daemon is leaving: it rolls back every open transaction as it closes
    }
  }

  /** Rolls back transactions idle past their timeout; one whose statement runs is not idle. */
  private void rollBackIdle() {
    long now = System.nanoTime();
    for (Map.Entry<String, Open> e : open.entrySet()) {
      Open o = e.getValue();
      if (now - o.lastUsed < o.idleNanos || !o.lock.tryLock()) {
        continue;
      }
      try {
        if (open.get(e.getKey()) != o) {
          continue;
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(o.idleNanos);
        forget(e.getKey(), "rolled back after " + seconds + " s without a statement (its idle timeout)");
        log.info("rolled back transaction {}: idle for {} s", e.getKey(), seconds);
      } finally {
        o.lock.unlock();
      }
      rollbacks.execute(() -> abandon(o.held));
    }
  }

  private static void abandon(HeldTransaction held) {
    try {
      held.abandon();
    } catch (Exception e) {
      log.warn("rolling back transaction {} failed: {}", held.id(), e.toString());
    }
  }

  /** Rolls back every open transaction. */
  @Override
  public void close() {
    for (String id : List.copyOf(open.keySet())) {
      Open o = open.remove(id);
      if (o != null) {
        abandon(o.held);
      }
    }
    rollbacks.shutdown();
  }
}
