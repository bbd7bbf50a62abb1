package dev.kapu.serial;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What comes back from a task: one entry per call, or one per item of a map chunk, each a value or
 * a {@link RemoteError}. A value whose codec throws becomes an error entry naming the codec, so
 * one bad value never loses the others. A map chunk's envelope ends with the time the daemon spent
 * on it, which sizes the map's next chunks; readers from before it stop after the entries.
 */
public final class ResultEnvelope {

  /** One result: a value, or the error that took its place. */
  public record Entry(Object value, RemoteError error) {
    public boolean failed() {
      return error != null;
    }
  }

  private static final int VERSION = 1;
  private static final int VALUE = 0;
  private static final int ERROR = 1;
  /** An error with its category's name ahead of it; readers of version 1 before it read the others. */
  private static final int CATEGORIZED_ERROR = 2;
  /** After the entries: the nanoseconds the daemon spent on them. */
  private static final int RUN_NANOS = 3;
  /** What {@link Decoded#runNanos()} says when the envelope does not tell. */
  public static final long UNKNOWN = -1;

  /**
   * A decoded envelope.
   *
   * @param entries one per call or map item
   * @param runNanos the daemon's time on them, from decoding its task to encoding the last entry;
   *     {@link #UNKNOWN} if the daemon did not say
   */
  public record Decoded(List<Entry> entries, long runNanos) {}

  private ResultEnvelope() {}

  /** Encodes entries one by one. */
  public static Builder builder(CodecRegistry codecs) {
    return new Builder(codecs);
  }

  public static final class Builder {
    /** The entry count, written last, goes here. */
    private static final long COUNT_AT = 1;
    private final ChunkedOutput bytes = new ChunkedOutput(128);
    private final DataOutputStream out = new DataOutputStream(bytes);
    private final CodecRegistry.ValueWriter writer;
    private int count;

    private Builder(CodecRegistry codecs) {
      this.writer = codecs.writer(out);
      try {
        out.writeByte(VERSION);
        out.writeInt(0);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Adds a value; if its codec fails, adds the codec's error instead and returns it. */
    public RemoteError addValue(Object value) {
      long mark = bytes.size();
      try {
        out.writeByte(VALUE);
        writer.write(value);
        count++;
        return null;
      } catch (IOException | RuntimeException e) {
        bytes.truncate(mark);
        RemoteError error = RemoteError.of(e);
        addError(error);
        return error;
      }
    }

    public void addError(RemoteError error) {
      try {
        if (error.category() == null) {
          out.writeByte(ERROR);
        } else {
          out.writeByte(CATEGORIZED_ERROR);
          out.writeUTF(error.category().name());
        }
        error.write(out);
        count++;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public int count() {
      return count;
    }

    /** The entries, in bounded chunks; the builder is used up. */
    public EncodedBytes encode() {
      bytes.putInt(COUNT_AT, count);
      return bytes.finish();
    }

    /** The entries, then the {@code runNanos} the daemon spent on them; the builder is used up. */
    public EncodedBytes encode(long runNanos) {
      try {
        out.writeByte(RUN_NANOS);
        out.writeLong(runNanos);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return encode();
    }
  }

  /** A category this side does not know (a newer sender's) still says the database failed. */
  private static ErrorCategory category(String name) {
    try {
      return ErrorCategory.valueOf(name);
    } catch (IllegalArgumentException unknown) {
      return ErrorCategory.DATABASE_FAILURE;
    }
  }

  /** Decodes every entry; a value this side cannot decode becomes an error entry naming its codec. */
  public static List<Entry> decode(CodecRegistry codecs, byte[] bytes) {
    return decodeAll(codecs, new ByteArrayInputStream(bytes)).entries();
  }

  /** Decodes as the bytes arrive, so a large result is never held as one array. */
  public static List<Entry> decode(CodecRegistry codecs, InputStream bytes) {
    return decodeAll(codecs, bytes).entries();
  }

  /** Decodes every entry and the daemon's time on them. */
  public static Decoded decodeAll(CodecRegistry codecs, byte[] bytes) {
    return decodeAll(codecs, new ByteArrayInputStream(bytes));
  }

  /** Decodes every entry and the daemon's time on them, as the bytes arrive. */
  public static Decoded decodeAll(CodecRegistry codecs, InputStream bytes) {
    try (DataInputStream in = new DataInputStream(bytes)) {
      int version = in.readUnsignedByte();
      if (version != VERSION) {
        throw new CodecException("result envelope version " + version + " (this side reads " + VERSION + ")");
      }
      int count = in.readInt();
      List<Entry> entries = new ArrayList<>(count);
      CodecRegistry.ValueReader reader = codecs.reader(in);
      for (int i = 0; i < count; i++) {
        int tag = in.readUnsignedByte();
        if (tag == VALUE) {
          entries.add(new Entry(reader.read(), null));
        } else if (tag == ERROR) {
          entries.add(new Entry(null, RemoteError.read(in, null)));
        } else if (tag == CATEGORIZED_ERROR) {
          entries.add(new Entry(null, RemoteError.read(in, category(in.readUTF()))));
        } else {
          throw new CodecException("corrupt result: entry tag " + tag);
        }
      }
      int trailer = in.read();
      if (trailer == RUN_NANOS) {
        return new Decoded(entries, in.readLong());
      } else if (trailer != -1) {
        throw new CodecException("corrupt result: trailer tag " + trailer);
      }
      return new Decoded(entries, UNKNOWN);
    } catch (IOException e) {
      throw new CodecException("could not decode a result: " + e, e);
    }
  }
}
