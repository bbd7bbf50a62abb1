package dev.kapu.it;

import dev.kapu.bench.ThrowawayPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Samples, as fast as it can until closed, how many client connections PostgreSQL has open on the
 * test database (its own excepted): what the database sees, whoever opened them. Background
 * processes are left out: parallel query workers and autovacuum also show in pg_stat_activity.
 */
final class PostgresSessions implements AutoCloseable {
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger max = new AtomicInteger();
  private final AtomicInteger samples = new AtomicInteger();
  private final Thread thread;
  private volatile Exception failure;

  PostgresSessions(ThrowawayPostgres postgres) throws SQLException {
    Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
    thread = new Thread(() -> {
      try (connection; PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM pg_stat_activity"
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
    thread.setDaemon(true);
    thread.start();
  }

  /** The most sessions seen at once. */
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
