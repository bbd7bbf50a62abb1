package dev.kapu.serial;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Codecs for the JDK's value types; compact, and no Java serialization involved. */
final class BuiltinCodecs {
  private BuiltinCodecs() {}

  private interface Writer<T> {
    void write(T value, DataOutput out) throws IOException;
  }

  private interface Reader<T> {
    T read(DataInput in) throws IOException;
  }

  private static <T> Codec<T> codec(String id, Class<T> type, Writer<T> writer, Reader<T> reader) {
    return new Codec<>() {
      @Override
      public String id() {
        return id;
      }

      @Override
      public Class<T> type() {
        return type;
      }

      @Override
      public void write(T value, DataOutput out) throws IOException {
        writer.write(value, out);
      }

      @Override
      public T read(DataInput in) throws IOException {
        return reader.read(in);
      }

      @Override
      public String toString() {
        return "codec " + id;
      }
    };
  }

  private static final List<Codec<?>> ALL =
      List.of(
          codec("kapu.int", Integer.class, (v, o) -> o.writeInt(v), DataInput::readInt),
          codec("kapu.long", Long.class, (v, o) -> o.writeLong(v), DataInput::readLong),
          codec("kapu.double", Double.class, (v, o) -> o.writeDouble(v), DataInput::readDouble),
          codec("kapu.float", Float.class, (v, o) -> o.writeFloat(v), DataInput::readFloat),
          codec("kapu.short", Short.class, (v, o) -> o.writeShort(v), DataInput::readShort),
          codec("kapu.byte", Byte.class, (v, o) -> o.writeByte(v), DataInput::readByte),
          codec("kapu.char", Character.class, (v, o) -> o.writeChar(v), DataInput::readChar),
          codec("kapu.bool", Boolean.class, (v, o) -> o.writeBoolean(v), DataInput::readBoolean),
          codec("kapu.string", String.class, BuiltinCodecs::writeString, BuiltinCodecs::readString),
          codec("kapu.bytes", byte[].class, BuiltinCodecs::writeBytes, BuiltinCodecs::readBytes));

  public static List<Codec<?>> all() {
    return ALL;
  }

  // writeUTF stops at 64 KiB; strings here may be any length.
  private static void writeString(String value, DataOutput out) throws IOException {
    writeBytes(value.getBytes(StandardCharsets.UTF_8), out);
  }

  private static String readString(DataInput in) throws IOException {
    return new String(readBytes(in), StandardCharsets.UTF_8);
  }

  static void writeBytes(byte[] value, DataOutput out) throws IOException {
    out.writeInt(value.length);
    out.write(value);
  }

  static byte[] readBytes(DataInput in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      throw new IOException("negative length " + length);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return bytes;
  }
}
