package dev.kapu.serial;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The codecs one side of a connection knows, and the choice of codec for each value.
 *
 * <p>A value is written with the codec registered for its exact class, else the first registered
 * codec whose type it is an instance of (user codecs before built-ins), else guarded Java
 * serialization if it is {@link Serializable}. The client and every daemon must build their
 * registries from the same codecs; {@link #standard(SerialFilter)} does that from the built-ins
 * and {@link ServiceLoader}.
 */
public final class CodecRegistry {

  private final Map<String, Codec<?>> byId;
  private final List<Codec<?>> inOrder;
  private final Map<Class<?>, Codec<?>> chosen = new ConcurrentHashMap<>();
  private final JavaSerializationCodec javaCodec;
  private final String codeId;

  private CodecRegistry(List<Codec<?>> codecs, JavaSerializationCodec javaCodec, String codeId) {
    this.inOrder = List.copyOf(codecs);
    this.javaCodec = javaCodec;
    this.codeId = codeId;
    Map<String, Codec<?>> ids = new HashMap<>();
    ids.put(javaCodec.id(), javaCodec);
    for (Codec<?> c : inOrder) {
      Codec<?> previous = ids.putIfAbsent(c.id(), c);
      if (previous != null && previous != c) {
        throw new IllegalArgumentException(
            "two codecs share the id '" + c.id() + "': " + previous.getClass().getName()
                + " and " + c.getClass().getName());
      }
      chosen.putIfAbsent(c.type(), c);
    }
    this.byId = Map.copyOf(ids);
  }

  /** Built-ins, every codec found by {@link ServiceLoader}, and Java serialization under {@code filter}. */
  public static CodecRegistry standard(SerialFilter filter) {
    return builder().filter(filter).discover().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The codec registered under {@code id}. */
  public Optional<Codec<?>> byId(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** Every codec, in the order values look for one. */
  public List<Codec<?>> codecs() {
    return inOrder;
  }

  public SerialFilter filter() {
    return javaCodec.filter();
  }

  /**
   * The shipped code whose classes these codecs read and write: the id a task envelope names so
   * that a daemon decodes it with that code's class loader; empty for the receiver's own class path.
   */
  public String codeId() {
    return codeId;
  }

  /** The codecs for the code a task envelope names ({@link #codeId()}), on the side that decodes it. */
  @FunctionalInterface
  public interface ForCode {
    CodecRegistry forCode(String codeId);
  }

  /** The codec that writes {@code type}, or a {@link CodecException} saying why there is none. */
  public Codec<?> codecFor(Class<?> type) {
    Codec<?> codec = chosen.get(type);
    if (codec != null) {
      return codec;
    }
    for (Codec<?> c : inOrder) {
      if (c.type().isAssignableFrom(type)) {
        chosen.put(type, c);
        return c;
      }
    }
    if (Serializable.class.isAssignableFrom(type)) {
      chosen.put(type, javaCodec);
      return javaCodec;
    }
    throw new CodecException(
        "no codec for " + type.getName() + " and it is not Serializable: register a Codec for it"
            + " (on the client and on every daemon) or make it Serializable");
  }

  /** Starts a sequence of values; the codec ids travel once per sequence. */
  public ValueWriter writer(DataOutput out) {
    return new ValueWriter(out);
  }

  public ValueReader reader(DataInput in) {
    return new ValueReader(in);
  }

  /** Writes values one after another, naming each codec the first time it is used. */
  public final class ValueWriter {
    private final DataOutput out;
    private final Map<Codec<?>, Integer> known = new HashMap<>();

    private ValueWriter(DataOutput out) {
      this.out = out;
    }

    /**
     * Writes the value with the codec chosen for its class. If the codec throws, nothing this
     * writer remembers changes, so the caller may cut its buffer back and write something else.
     */
    public void write(Object value) throws IOException {
      if (value == null) {
        Varints.write(out, 0);
        return;
      }
      write(codecFor(value.getClass()), value);
    }

    /** Writes the value with Java serialization: for code (lambdas), which travels no other way. */
    public void writeJava(Object value) throws IOException {
      write(javaCodec, value);
    }

    @SuppressWarnings("unchecked")
    private void write(Codec<?> codec, Object value) throws IOException {
      Integer index = known.get(codec);
      if (index != null) {
        Varints.write(out, index + 2);
      } else {
        Varints.write(out, 1);
        out.writeUTF(codec.id());
      }
      try {
        ((Codec<Object>) codec).write(value, out);
      } catch (IOException | RuntimeException e) {
        if (ownError(codec, e)) {
          throw e;
        }
        throw new CodecException(
            "codec '" + codec.id() + "' (" + codec.getClass().getName() + ") failed to encode a "
                + value.getClass().getName() + ": " + e,
            e);
      }
      if (index == null) {
        known.put(codec, known.size());
      }
    }
  }

  /** Reads what a {@link ValueWriter} wrote. */
  public final class ValueReader {
    private final DataInput in;
    private final List<Codec<?>> known = new ArrayList<>();

    private ValueReader(DataInput in) {
      this.in = in;
    }

    public Object read() throws IOException {
      int tag = Varints.read(in);
      if (tag == 0) {
        return null;
      }
      Codec<?> codec;
      if (tag == 1) {
        String id = in.readUTF();
        codec = byId.get(id);
        if (codec == null) {
          throw new CodecException(
              "no codec with id '" + id + "' is registered on this side: register it on the client"
                  + " and on every daemon (or list it in META-INF/services/" + Codec.class.getName()
                  + ")");
        }
        known.add(codec);
      } else {
        int index = tag - 2;
        if (index >= known.size()) {
          throw new CodecException("corrupt value stream: codec index " + index + " was never named");
        }
        codec = known.get(index);
      }
      try {
        return codec.read(in);
      } catch (IOException | RuntimeException e) {
        if (ownError(codec, e)) {
          throw e;
        }
        throw new CodecException(
            "codec '" + codec.id() + "' (" + codec.getClass().getName() + ") failed to decode a "
                + codec.type().getName() + ": " + e,
            e);
      }
    }
  }

  /** Java serialization's own errors already say what went wrong; a user codec's are wrapped to name it. */
  private boolean ownError(Codec<?> codec, Exception e) {
    return codec == javaCodec && e instanceof CodecException;
  }

  /** Collects codecs; later registrations of a type win over built-ins. */
  public static final class Builder {
    private final LinkedHashMap<String, Codec<?>> user = new LinkedHashMap<>();
    private SerialFilter filter = SerialFilter.defaults();
    private ClassLoader classLoader;
    private String codeId = "";
    private String missingClassAdvice =
        "every daemon needs the classes of the tasks and values sent to it";

    private Builder() {}

    public Builder register(Codec<?> codec) {
      Codec<?> previous = user.putIfAbsent(codec.id(), codec);
      if (previous != null && previous.getClass() != codec.getClass()) {
        throw new IllegalArgumentException(
            "two codecs share the id '" + codec.id() + "': " + previous.getClass().getName()
                + " and " + codec.getClass().getName());
      }
      return this;
    }

    /** Adds every codec listed in {@code META-INF/services/dev.kapu.serial.Codec}. */
    public Builder discover() {
      ClassLoader loader = classLoader != null ? classLoader : Thread.currentThread().getContextClassLoader();
      for (Codec<?> codec : ServiceLoader.load(Codec.class, loader)) {
        register(codec);
      }
      return this;
    }

    public Builder filter(SerialFilter filter) {
      this.filter = filter;
      return this;
    }

    /** Where Java serialization and {@link #discover()} look for classes; the context loader by default. */
    public Builder classLoader(ClassLoader classLoader) {
      this.classLoader = classLoader;
      return this;
    }

    /** The shipped code these codecs stand for ({@link CodecRegistry#codeId()}); empty by default. */
    public Builder codeId(String codeId) {
      this.codeId = codeId;
      return this;
    }

    /** What the error for a class this side lacks tells the user to do. */
    public Builder missingClassAdvice(String advice) {
      this.missingClassAdvice = advice;
      return this;
    }

    public CodecRegistry build() {
      List<Codec<?>> all = new ArrayList<>(user.values());
      for (Codec<?> builtin : BuiltinCodecs.all()) {
        if (!user.containsKey(builtin.id())) {
          all.add(builtin);
        }
      }
      return new CodecRegistry(all, new JavaSerializationCodec(filter, classLoader, missingClassAdvice), codeId);
    }
  }

  /** Unsigned LEB128 integers: small numbers take one byte. */
  static final class Varints {
    private Varints() {}

    static void write(DataOutput out, int value) throws IOException {
      while ((value & ~0x7F) != 0) {
        out.writeByte((value & 0x7F) | 0x80);
        value >>>= 7;
      }
      out.writeByte(value);
    }

    static int read(DataInput in) throws IOException {
      int value = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        int b = in.readUnsignedByte();
        value |= (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
      throw new CodecException("corrupt value stream: varint longer than 5 bytes");
    }
  }
}
