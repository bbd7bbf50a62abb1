package dev.kapu.serial;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Stands in for an envelope too large to travel inside its control message: the envelope waits,
 * as a stream of chunks, where {@code location} says, and is fetched once with {@code ticket}.
 *
 * @param location a daemon's Flight URL, or empty for the dispatcher the message came through
 * @param ticket the one-time ticket
 */
public record ParkedEnvelope(String location, byte[] ticket) {
  /** Envelopes start with their version (a small number); this first byte is none of them. */
  private static final int TAG = 0xFF;

  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + location.length() + ticket.length);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(TAG);
      out.writeUTF(location);
      out.writeInt(ticket.length);
      out.write(ticket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** The parked envelope {@code payload} stands for, or null if it is an envelope itself. */
  public static ParkedEnvelope of(byte[] payload) {
    if (payload.length == 0 || (payload[0] & 0xFF) != TAG) {
      return null;
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
      in.readUnsignedByte();
      String location = in.readUTF();
      byte[] ticket = new byte[in.readInt()];
      in.readFully(ticket);
      return new ParkedEnvelope(location, ticket);
    } catch (IOException e) {
      throw new CodecException("corrupt reference to a parked envelope: " + e, e);
    }
  }
}
