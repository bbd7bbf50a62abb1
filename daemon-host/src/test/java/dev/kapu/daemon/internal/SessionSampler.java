package dev.kapu.daemon.internal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many client connections the database has open on our database, other than the one asking
 * (parallel query workers and autovacuum also show in pg_stat_activity; they are left out).
 */
final class SessionSampler implements AutoCloseable {
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger max = new AtomicInteger();
  private final AtomicInteger samples = new AtomicInteger();
  private final Thread thread;
  private volatile Exception failure;

  SessionSampler(TestPostgres postgres) throws SQLException {
    Connection c = DriverManager.getConnection(postgres.url(), TestPostgres.USER, TestPostgres.PASSWORD);
    thread = new Thread(() -> {
      try (c; PreparedStatement count = c.prepareStatement("SELECT count(*) FROM pg_stat_activity"
          + " WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
        while (running.get()) {
          try (ResultSet rs = count.executeQuery()) {
            rs.next();
            max.accumulateAndGet(rs.getInt(1), Math::max);
            samples.incrementAndGet();
          }
        }
      } catch (Exception e) {
        failure = e;
      }
    }, "pg_stat_activity sampler");
    thread.start();
  }

  int max() {
    return max.get();
  }

  int samples() {
    return samples.get();
  }

  @Override
  public void close() throws Exception {
    running.set(false);
    thread.join();
    if (failure != null) {
      throw failure;
    }
  }
}
