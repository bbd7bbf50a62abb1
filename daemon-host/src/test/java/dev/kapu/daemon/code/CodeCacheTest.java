package dev.kapu.daemon.code;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kapu.flight.CodeHashes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodeCacheTest {
  private static final byte[] BLOB = "the classes a session shipped".getBytes(StandardCharsets.UTF_8);
  private static final String HASH = CodeHashes.of(BLOB);

  @TempDir
  Path dir;

  @Test
  void daemonsOfOneJvmThatNeedAnEntryAtOnceFetchItOnce() throws Exception {
    AtomicInteger fetches = new AtomicInteger();
    CountDownLatch allAsking = new CountDownLatch(16);
    CodeCache.Fetcher fetcher = (hash, out) -> {
      fetches.incrementAndGet();
      try {
        allAsking.await(10, TimeUnit.SECONDS); // the others ask while this fetch runs
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      out.write(BLOB);
    };
    // Each daemon has a cache of its own over the host's directory, as 500 daemons in one JVM do.
    List<CodeCache> daemons = List.of(new CodeCache(dir, fetcher), new CodeCache(dir, fetcher));
    ExecutorService threads = Executors.newFixedThreadPool(16);
    try {
      List<Future<Path>> entries = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        CodeCache daemon = daemons.get(i % 2);
        entries.add(threads.submit(() -> {
          allAsking.countDown();
          return daemon.entry(HASH);
        }));
      }
      for (Future<Path> entry : entries) {
        assertThat(Files.readAllBytes(entry.get(30, TimeUnit.SECONDS))).isEqualTo(BLOB);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(fetches).as("fetches from the dispatcher").hasValue(1);
    assertThat(daemons.get(0).fetched() + daemons.get(1).fetched()).isEqualTo(1);
  }

  @Test
  void anEntryInTheCacheIsNotFetched() throws Exception {
    Files.write(dir.resolve(HASH), BLOB);
    CodeCache cache = new CodeCache(dir, (hash, out) -> {
      throw new AssertionError("fetched " + hash);
    });
    assertThat(cache.entry(HASH)).hasBinaryContent(BLOB);
  }
}
