package dev.kapu.serial;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

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
  private final Map<ByteBuffer, Object> decoded = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Object> eldest) {
      return size() > DECODED_LIMIT;
    }
  };

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
  synchronized Object decoded(byte[] bytes) {
    return decoded.get(ByteBuffer.wrap(bytes));
  }

  /** Keeps {@code value}, decoded from {@code bytes}, for the same bytes next time if it is stateless. */
  synchronized void rememberDecoded(byte[] bytes, Object value) {
    if (value != null && stateless(value.getClass())) {
      decoded.put(ByteBuffer.wrap(bytes), value);
    }
  }
}
