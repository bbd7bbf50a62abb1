package dev.kapu.serial;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.NotSerializableException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;

/**
 * Java serialization, read back only through the {@link SerialFilter} allow-list. Code (lambdas)
 * always travels this way; other values only when no codec fits.
 */
final class JavaSerializationCodec implements Codec<Object> {
  public static final String ID = "kapu.java";
  /** A value whose one frame is at most this long is read whole before it is decoded. */
  private static final int SMALL_FRAME = 8 * 1024;

  private final SerialFilter filter;
  private final ClassLoader classLoader;
  private final ObjectInputFilter objectFilter;
  /** Per codec, so per registry: a session's registry on a daemon keeps its lambdas apart from another's. */
  private final StatelessCode stateless = new StatelessCode();
  private final String missingClassAdvice;

  /**
   * @param missingClassAdvice what to do when a class is not found, for the error message: this side
   *     knows why it may lack one (a daemon without the session's code, say)
   */
  public JavaSerializationCodec(SerialFilter filter, ClassLoader classLoader, String missingClassAdvice) {
    this.filter = filter;
    this.classLoader = classLoader;
    this.objectFilter = filter.asObjectInputFilter();
    this.missingClassAdvice = missingClassAdvice;
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
    Class<?> type = value.getClass();
    if (!stateless.stateless(type)) {
      serialize(value, out);
      return;
    }
    byte[] bytes = stateless.encoded(type);
    if (bytes == null) {
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      serialize(value, new DataOutputStream(buffer));
      bytes = buffer.toByteArray();
      stateless.rememberEncoded(type, bytes);
    }
    out.write(bytes);
  }

  private static void serialize(Object value, DataOutput out) throws IOException {
    try (ObjectOutputStream oos = new ObjectOutputStream(new FrameOutput(out))) {
      oos.writeObject(value);
    } catch (NotSerializableException e) {
      throw new CodecException(
          "cannot serialize a " + value.getClass().getName() + ": it holds a "
              + e.getMessage() + ", which is not Serializable (a task carries what it captures:"
              + " capture only serializable values, or register a Codec)",
          e);
    }
  }

  /**
   * A value in one small frame (code, most often) is read whole first, so that a stateless one
   * decoded from the same bytes before is reused; others are read as their frames arrive.
   */
  @Override
  public Object read(DataInput in) throws IOException {
    int first = in.readInt();
    if (first < 0) {
      throw new IOException("corrupt serialized value: frame length " + first);
    }
    if (first == 0 || first > SMALL_FRAME) {
      FrameInput frames = new FrameInput(in, first);
      Object value = deserialize(frames);
      frames.skipToEnd();
      return value;
    }
    byte[] frame = new byte[first];
    in.readFully(frame);
    int next = in.readInt();
    if (next != 0) {
      FrameInput rest = new FrameInput(in, next);
      Object value = deserialize(new SequenceInputStream(new ByteArrayInputStream(frame), rest));
      rest.skipToEnd();
      return value;
    }
    Object known = stateless.decoded(frame);
    if (known != null) {
      return known;
    }
    Object value = deserialize(new ByteArrayInputStream(frame));
    stateless.rememberDecoded(frame, value);
    return value;
  }

  private Object deserialize(InputStream serialized) throws IOException {
    RejectionRecorder recorder = new RejectionRecorder(objectFilter);
    try (ObjectInputStream ois = new LoaderObjectInputStream(serialized, classLoader)) {
      ois.setObjectInputFilter(recorder);
      return ois.readObject();
    } catch (InvalidClassException e) {
      if (recorder.rejected != null && SerialFilter.isKnownGadget(recorder.rejected)) {
        throw new CodecException(
            "refused to deserialize a " + recorder.rejected.getName() + ": it is a link of a known"
                + " deserialization exploit chain (a gadget), which no task's own code needs; the payload"
                + " was not a task of a session, or carries a library object that must not travel this way"
                + " (send it as plain data instead)",
            e);
      }
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
      throw new CodecException("class " + e.getMessage() + " is not on this side's class path: " + missingClassAdvice, e);
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

  /**
   * The serialized form as frames ({@code int length, bytes}, ending with length 0), written as it
   * is produced: a large object graph never sits in one array, on either side.
   */
  private static final class FrameOutput extends OutputStream {
    private static final int FRAME = 64 * 1024;
    private final DataOutput out;
    private byte[] buffer = new byte[512];
    private int count;

    FrameOutput(DataOutput out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      if (count == buffer.length) {
        makeRoom();
      }
      buffer[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (count == buffer.length) {
          makeRoom();
        }
        int n = Math.min(len, buffer.length - count);
        System.arraycopy(b, off, buffer, count, n);
        count += n;
        off += n;
        len -= n;
      }
    }

    private void makeRoom() throws IOException {
      if (buffer.length < FRAME) {
        buffer = Arrays.copyOf(buffer, Math.min(FRAME, buffer.length * 2));
      } else {
        writeFrame();
      }
    }

    private void writeFrame() throws IOException {
      if (count > 0) {
        out.writeInt(count);
        out.write(buffer, 0, count);
        count = 0;
      }
    }

    @Override
    public void close() throws IOException {
      writeFrame();
      out.writeInt(0);
    }
  }

  /** Reads what {@link FrameOutput} wrote, frame by frame. */
  private static final class FrameInput extends InputStream {
    private final DataInput in;
    private int left;
    private boolean ended;

    /** @param firstLength the length of the first frame, already read (0: the value is empty) */
    FrameInput(DataInput in, int firstLength) {
      this.in = in;
      this.left = firstLength;
      this.ended = firstLength == 0;
    }

    private boolean nextFrame() throws IOException {
      while (left == 0 && !ended) {
        left = in.readInt();
        if (left < 0) {
          throw new IOException("corrupt serialized value: frame length " + left);
        }
        ended = left == 0;
      }
      return !ended;
    }

    @Override
    public int read() throws IOException {
      if (!nextFrame()) {
        return -1;
      }
      left--;
      return in.readUnsignedByte();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!nextFrame()) {
        return -1;
      }
      int n = Math.min(len, left);
      in.readFully(b, off, n);
      left -= n;
      return n;
    }

    /** Moves past the end marker, so the next value starts where it should. */
    void skipToEnd() throws IOException {
      while (nextFrame()) {
        int skipped = in.skipBytes(left);
        if (skipped <= 0) {
          in.readByte(); // skipBytes may skip nothing; this throws at the end of the input
          skipped = 1;
        }
        left -= skipped;
      }
    }
  }

  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
      super(in);
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
