package dev.kapu.flight.internal;

import com.google.protobuf.ByteString;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What a server remembers about the tickets and handles it handed out, for an hour: entries older
 * than that are forgotten as the map grows, so clients that never come back cost nothing lasting.
 */
public final class Recent<V> {
  private static final long REMEMBER_NANOS = TimeUnit.HOURS.toNanos(1);

  private record Entry<V>(V value, long at) {}

  private final Map<ByteString, Entry<V>> entries = new ConcurrentHashMap<>();

  public void put(ByteString key, V value) {
    long now = System.nanoTime();
    if (entries.size() >= 1024) {
      entries.values().removeIf(e -> now - e.at() > REMEMBER_NANOS);
    }
    entries.put(key, new Entry<>(value, now));
  }

  public V get(ByteString key) {
    Entry<V> e = entries.get(key);
    return e == null ? null : e.value();
  }

  public V remove(ByteString key) {
    Entry<V> e = entries.remove(key);
    return e == null ? null : e.value();
  }

  public void clear() {
    entries.clear();
  }
}
