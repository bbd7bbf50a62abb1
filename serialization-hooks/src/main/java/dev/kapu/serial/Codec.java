package dev.kapu.serial;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * How values of one type cross a process boundary.
 *
 * <p>A codec is known by a stable {@link #id()}: the id, not the class name, travels with each
 * value, so the reading side may load a different implementation of the same format. Register
 * codecs with {@link CodecRegistry.Builder#register(Codec)} or list them in
 * {@code META-INF/services/dev.kapu.serial.Codec} so that the client and every daemon find them.
 *
 * <p>Implementations must be thread-safe; the same instance encodes and decodes concurrently.
 *
 * @param <T> the type of value this codec handles
 */
public interface Codec<T> {

  /** A stable identifier, unique within a registry, for example {@code "acme.tensor.v1"}. */
  String id();

  /** The type this codec handles; subclasses of it are handled too unless a closer codec exists. */
  Class<T> type();

  /** Writes {@code value}; never called with {@code null}. */
  void write(T value, DataOutput out) throws IOException;

  /** Reads a value written by {@link #write}. */
  T read(DataInput in) throws IOException;
}
