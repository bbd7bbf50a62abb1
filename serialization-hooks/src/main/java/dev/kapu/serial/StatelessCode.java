package dev.kapu.serial;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Code that holds no state, a lambda that captured nothing, is the same whichever instance runs
 * it: its serialized form is made once per class on the sending side, and its decoded instance
 * reused for the same bytes on the receiving side. Serializing and deserializing a lambda (class
 * descriptors, the {@code SerializedLambda} and the reflective lookup that turns it back into a
 * lambda) otherwise costs each of many small tasks far more than the wire does.
 */
final class StatelessCode {
  /** Distinct stateless lambdas a session sends are few; more than this are decoded each time. */
  private static final int DECODED_LIMIT = 256;

  /** Per class: whether it is stateless, and its serialized form once made. */
  private static final class Kind {
    final boolean stateless;
    volatile byte[] encoded;

    Kind(boolean stateless) {
      this.stateless = stateless;
    }
  }

  private final ClassValue<Kind> kinds = new ClassValue<>() {
    @Override
    protected Kind computeValue(Class<?> type) {
      return new Kind(isStateless(type));
    }
  };
  /** Looked up by every task a daemon's slots decode at once, so without a lock. */
  private final Cache<CodeBytes, Object> decoded = Caffeine.newBuilder().maximumSize(DECODED_LIMIT).build();

  /** A lambda (a hidden class made for one) with no instance fields: it captured nothing. */
  static boolean isStateless(Class<?> type) {
    if (!type.isSynthetic() || !type.isHidden() || !type.getName().contains("$$Lambda")) {
      return false;
    }
    for (Field f : type.getDeclaredFields()) {
      if (!Modifier.isStatic(f.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code type}'s instances hold no state (looked up once per class). */
  boolean stateless(Class<?> type) {
    return kinds.get(type).stateless;
  }

  /** The serialized form of a stateless {@code type}'s instances, if one was made; else null. */
  byte[] encoded(Class<?> type) {
    return kinds.get(type).encoded;
  }

  /** Keeps the serialized form of a stateless {@code type}'s instances. */
  void rememberEncoded(Class<?> type, byte[] bytes) {
    kinds.get(type).encoded = bytes;
  }

  /** The instance decoded from exactly {@code bytes} before, if it was stateless; else null. */
  Object decoded(byte[] bytes) {
    return decoded.getIfPresent(new CodeBytes(bytes));
  }

  /** Keeps {@code value}, decoded from {@code bytes}, for the same bytes next time if it is stateless. */
  void rememberDecoded(byte[] bytes, Object value) {
    if (value != null && stateless(value.getClass())) {
      decoded.put(new CodeBytes(bytes), value);
    }
  }

  /**
   * Serialized code as a key. Its hash is a CRC32C, which the JVM computes with the processor's
   * own instruction: a byte-by-byte hash of a lambda's few hundred bytes was most of what a
   * daemon spent looking one up, for each task.
   */
  private static final class CodeBytes {
    private final byte[] bytes;
    private final int hash;

    CodeBytes(byte[] bytes) {
      CRC32C crc = new CRC32C();
      crc.update(bytes);
      this.bytes = bytes;
      this.hash = (int) crc.getValue();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof CodeBytes that && that.hash == hash && Arrays.equals(that.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
