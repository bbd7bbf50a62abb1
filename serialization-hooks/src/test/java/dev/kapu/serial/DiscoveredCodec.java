package dev.kapu.serial;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Listed in this module's test META-INF/services, to prove discovery. */
public final class DiscoveredCodec implements Codec<DiscoveredCodec.Money> {
  public record Money(long cents) {}

  @Override
  public String id() {
    return "test.discovered";
  }

  @Override
  public Class<Money> type() {
    return Money.class;
  }

  @Override
  public void write(Money value, DataOutput out) throws IOException {
    out.writeLong(value.cents());
  }

  @Override
  public Money read(DataInput in) throws IOException {
    return new Money(in.readLong());
  }
}
