package dev.kapu.it;

import dev.kapu.serial.Codec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** A codec, found through ServiceLoader, that fails on purpose when the value says so. */
public final class ExplodingCodec implements Codec<ExplodingCodec.Value> {

  /** A value this codec writes; {@code explode} makes writing it fail. */
  public record Value(int number, boolean explode) {}

  @Override
  public String id() {
    return "test.exploding";
  }

  @Override
  public Class<Value> type() {
    return Value.class;
  }

  @Override
  public void write(Value value, DataOutput out) throws IOException {
    if (value.explode()) {
      throw new IllegalStateException("refusing to write " + value.number());
    }
    out.writeInt(value.number());
  }

  @Override
  public Value read(DataInput in) throws IOException {
    return new Value(in.readInt(), false);
  }
}
