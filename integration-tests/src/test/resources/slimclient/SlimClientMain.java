package dev.kapu.slim;

import dev.kapu.client.Kapu;
import dev.kapu.client.RemoteSql;
import java.net.URI;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * An application that depends on kapu-client alone (SlimClientTest runs it in a JVM of its own):
 * connects to kapu serve, runs tasks and SQL there, and asks for local daemons, which it cannot have.
 * Arguments: the server's Flight URL, its Kapu token, and its SQL user's password.
 */
public final class SlimClientMain {
  public static void main(String[] args) throws Exception {
    String url = args[0];
    String token = args[1];
    String password = args[2];
    try (Kapu kapu = Kapu.builder().token(token).connect(url)) {
      System.out.println("submit: " + kapu.submit(SlimTasks.product(6, 7)).get(60, TimeUnit.SECONDS));
      System.out.println("map: " + kapu.map(List.of(1, 2, 3, 4), SlimTasks.square()).get(60, TimeUnit.SECONDS));
      try (ArrowReader rows = kapu.query("duckdb", "SELECT i, i * i AS sq FROM range(1, 4) t(i) ORDER BY i")) {
        print("query", rows);
      }
      // A lambda of this class, which the daemon's class path does not hold: the session ships it.
      int two = 2;
      try {
        System.out.println("shipped: " + kapu.submit(ctx -> two + two).get(60, TimeUnit.SECONDS));
      } catch (ExecutionException e) {
        System.out.println("shipped: " + e.getCause().getMessage());
      }
    }
    try (BufferAllocator allocator = new RootAllocator();
        RemoteSql sql = RemoteSql.connect(URI.create(url), "kapu", password, null, allocator)) {
      sql.catalog("duckdb");
      try (ArrowReader rows = sql.query("SELECT 'flight sql' AS via, 40 + 2 AS answer")) {
        print("remote sql", rows);
      }
    }
    long started = System.nanoTime();
    try {
      Kapu.local(1).close();
      System.out.println("local: started");
    } catch (IllegalStateException e) {
      System.out.println("local: " + e.getMessage());
    }
    System.out.println("local failed after ms: " + (System.nanoTime() - started) / 1_000_000);
  }

  private static void print(String what, ArrowReader rows) throws Exception {
    while (rows.loadNextBatch()) {
      for (String line : rows.getVectorSchemaRoot().contentToTSVString().split("\n")) {
        System.out.println(what + ": " + line);
      }
    }
  }
}
