package dev.kapu.serial;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a task carries across the wire: its code (a serialized lambda with exactly what it
 * captured), for a map chunk the items it applies to, and the coordinates of its random stream.
 *
 * @param code the task or function object
 * @param items the items of a map chunk; empty for a single call
 * @param map whether {@code code} is applied to each of {@code items} rather than called once
 * @param seed the session's seed
 * @param sequence which submission this is within the session
 * @param firstIndex the index, within the whole map, of the first of {@code items}
 * @param codeId the shipped code the task's classes come from ({@link CodecRegistry#codeId()});
 *     empty when the daemon's own class path holds them
 */
public record TaskEnvelope(
    Object code, List<?> items, boolean map, long seed, long sequence, long firstIndex, String codeId) {

  private static final int VERSION = 2;

  public TaskEnvelope(Object code, List<?> items, boolean map, long seed, long sequence, long firstIndex) {
    this(code, items, map, seed, sequence, firstIndex, "");
  }

  public static TaskEnvelope call(Object code, long seed, long sequence) {
    return new TaskEnvelope(code, List.of(), false, seed, sequence, 0);
  }

  public static TaskEnvelope map(
      Object code, List<?> items, long seed, long sequence, long firstIndex) {
    return new TaskEnvelope(code, items, true, seed, sequence, firstIndex);
  }

  /** Encodes into bounded chunks, so that no single array needs to hold a large task. */
  public EncodedBytes encode(CodecRegistry codecs) {
    // A serialized lambda alone takes some 600 bytes: start past that rather than grow to it.
    ChunkedOutput bytes = new ChunkedOutput(1024 + items.size() * 8);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeBoolean(map);
      out.writeLong(seed);
      out.writeLong(sequence);
      out.writeLong(firstIndex);
      out.writeUTF(codecs.codeId());
      CodecRegistry.ValueWriter writer = codecs.writer(out);
      writer.writeJava(code);
      out.writeInt(items.size());
      for (Object item : items) {
        writer.write(item);
      }
    } catch (IOException e) {
      throw new CodecException("could not encode a task: " + e, e);
    }
    return bytes.finish();
  }

  /**
   * What an encoded envelope says before its task: whether it is a map chunk, and the shipped code
   * it names ({@link #codeId()}).
   */
  public record Header(boolean map, String codeId) {}

  /** The header of an encoded envelope, read without decoding the task. */
  public static Header header(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      readVersion(in);
      boolean map = in.readBoolean();
      in.skipNBytes(3 * Long.BYTES); // seed, sequence, first index
      return new Header(map, in.readUTF());
    } catch (IOException e) {
      throw new CodecException("could not read a task envelope: " + e, e);
    }
  }

  private static void readVersion(DataInputStream in) throws IOException {
    int version = in.readUnsignedByte();
    if (version != VERSION) {
      throw new CodecException("task envelope version " + version + " (this side reads " + VERSION + ")");
    }
  }

  public static TaskEnvelope decode(CodecRegistry codecs, byte[] bytes) {
    return decode(codeId -> codecs, new ByteArrayInputStream(bytes));
  }

  public static TaskEnvelope decode(CodecRegistry.ForCode codecs, byte[] bytes) {
    return decode(codecs, new ByteArrayInputStream(bytes));
  }

  public static TaskEnvelope decode(CodecRegistry codecs, InputStream bytes) {
    return decode(codeId -> codecs, bytes);
  }

  /**
   * Decodes as the bytes arrive: a large task is read from its stream, never held as one array.
   * {@code codecs} gives the registry for the code the envelope names.
   */
  public static TaskEnvelope decode(CodecRegistry.ForCode codecs, InputStream bytes) {
    try (DataInputStream in = new DataInputStream(bytes)) {
      readVersion(in);
      boolean map = in.readBoolean();
      long seed = in.readLong();
      long sequence = in.readLong();
      long firstIndex = in.readLong();
      String codeId = in.readUTF();
      CodecRegistry.ValueReader reader = codecs.forCode(codeId).reader(in);
      Object code = reader.read();
      int count = in.readInt();
      List<Object> items = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        items.add(reader.read());
      }
      return new TaskEnvelope(code, items, map, seed, sequence, firstIndex, codeId);
    } catch (IOException e) {
      throw new CodecException("could not decode a task: " + e, e);
    }
  }
}
