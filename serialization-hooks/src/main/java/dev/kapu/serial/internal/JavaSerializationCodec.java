package dev.kapu.serial.internal;

import dev.kapu.serial.Codec;
import dev.kapu.serial.CodecException;
import dev.kapu.serial.SerialFilter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;

/**
 * Java serialization, read back only through the {@link SerialFilter} allow-list. Code (lambdas)
 * always travels this way; other values only when no codec fits.
 */
public final class JavaSerializationCodec implements Codec<Object> {
  public static final String ID = "kapu.java";

  private final SerialFilter filter;
  private final ClassLoader classLoader;
  private final ObjectInputFilter objectFilter;

  public JavaSerializationCodec(SerialFilter filter, ClassLoader classLoader) {
    this.filter = filter;
    this.classLoader = classLoader;
    this.objectFilter = filter.asObjectInputFilter();
  }

  public SerialFilter filter() {
    return filter;
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Class<Object> type() {
    return Object.class;
  }

  @Override
  public void write(Object value, DataOutput out) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (ObjectOutputStream oos = new ObjectOutputStream(bytes)) {
      oos.writeObject(value);
    } catch (NotSerializableException e) {
      throw new CodecException(
          "cannot serialize a " + value.getClass().getName() + ": it holds a "
              + e.getMessage() + ", which is not Serializable (a task carries what it captures:"
              + " capture only serializable values, or register a Codec)",
          e);
    }
    BuiltinCodecs.writeBytes(bytes.toByteArray(), out);
  }

  @Override
  public Object read(DataInput in) throws IOException {
    byte[] bytes = BuiltinCodecs.readBytes(in);
    RejectionRecorder recorder = new RejectionRecorder(objectFilter);
    try (ObjectInputStream ois = new LoaderObjectInputStream(bytes, classLoader)) {
      ois.setObjectInputFilter(recorder);
      return ois.readObject();
    } catch (InvalidClassException e) {
      if (recorder.rejected != null) {
        throw new CodecException(
            "class " + recorder.rejected.getName() + " is not on the deserialization allow-list;"
                + " allow it on the client and every daemon with a pattern such as '"
                + suggestedPattern(recorder.rejected) + "' (Kapu.builder().allow(...), or"
                + " --allow for a daemon)",
            e);
      }
      throw new CodecException("Java deserialization failed: " + e.getMessage(), e);
    } catch (ClassNotFoundException e) {
      throw new CodecException(
          "class " + e.getMessage() + " is not on this side's classpath: every daemon needs the"
              + " classes of the tasks and values sent to it",
          e);
    }
  }

  private static String suggestedPattern(Class<?> type) {
    while (type.isArray()) {
      type = type.getComponentType();
    }
    String pkg = type.getPackageName();
    return pkg.isEmpty() ? type.getName() : pkg + ".**";
  }

  /** Remembers which class the allow-list turned away, for the error message. */
  private static final class RejectionRecorder implements ObjectInputFilter {
    private final ObjectInputFilter delegate;
    private Class<?> rejected;

    RejectionRecorder(ObjectInputFilter delegate) {
      this.delegate = delegate;
    }

    @Override
    public Status checkInput(FilterInfo info) {
      Status status = delegate.checkInput(info);
      if (status == Status.REJECTED && rejected == null && info.serialClass() != null) {
        rejected = info.serialClass();
      }
      return status;
    }
  }

  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderObjectInputStream(byte[] bytes, ClassLoader loader) throws IOException {
      super(new ByteArrayInputStream(bytes));
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc)
        throws IOException, ClassNotFoundException {
      ClassLoader l = loader != null ? loader : Thread.currentThread().getContextClassLoader();
      if (l != null) {
        try {
          return Class.forName(desc.getName(), false, l);
        } catch (ClassNotFoundException e) {
          // fall back to the default resolution (primitives, the caller's loader)
        }
      }
      return super.resolveClass(desc);
    }
  }
}
