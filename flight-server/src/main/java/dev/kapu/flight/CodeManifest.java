package dev.kapu.flight;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The code a session ships: its class path entries by content hash, each with the packages it
 * holds, so that a daemon fetches an entry only when it needs a class of one of those packages
 * and its own class path has none. The manifest travels as a blob like the entries; its own
 * hash is the session's code id, and {@code session} (random) makes it one session's.
 *
 * @param session a random name, so that two sessions with equal class paths still get a class
 *     loader each on a daemon
 * @param entries in class path order
 */
public record CodeManifest(String session, List<Entry> entries) {
  private static final String MAGIC = "kapu-code-manifest-1";
  /** Kapu's own packages (its modules' roots): a daemon takes them from itself, and a session never ships them. */
  private static final List<String> KAPU_PACKAGES =
      List.of("dev.kapu.api", "dev.kapu.client", "dev.kapu.daemon", "dev.kapu.flight", "dev.kapu.serial");

  /** Whether {@code packageName} ('.' or '/' separated) is one of Kapu's own or below one. */
  public static boolean isKapuPackage(String packageName) {
    String p = packageName.replace('/', '.');
    return KAPU_PACKAGES.stream().anyMatch(k -> p.equals(k) || p.startsWith(k + "."));
  }

  /**
   * @param hash the SHA-256 of the entry's bytes (a jar, or a class directory packed as one)
   * @param size its length in bytes
   * @param name where it came from on the client, for messages
   * @param packages the directories it holds, '/'-separated ("" for the root)
   */
  public record Entry(String hash, long size, String name, List<String> packages) {
    public Entry {
      packages = List.copyOf(packages);
    }
  }

  public CodeManifest {
    entries = List.copyOf(entries);
  }

  public byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(MAGIC);
      out.writeUTF(session);
      out.writeInt(entries.size());
      for (Entry e : entries) {
        out.writeUTF(e.hash());
        out.writeLong(e.size());
        out.writeUTF(e.name());
        out.writeInt(e.packages().size());
        for (String p : e.packages()) {
          out.writeUTF(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static CodeManifest decode(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (!MAGIC.equals(in.readUTF())) {
        throw new IllegalArgumentException("not a Kapu code manifest");
      }
      String session = in.readUTF();
      int count = in.readInt();
      List<Entry> entries = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        String hash = in.readUTF();
        long size = in.readLong();
        String name = in.readUTF();
        int packages = in.readInt();
        List<String> names = new ArrayList<>(packages);
        for (int j = 0; j < packages; j++) {
          names.add(in.readUTF());
        }
        entries.add(new Entry(hash, size, name, names));
      }
      return new CodeManifest(session, entries);
    } catch (IOException e) {
      throw new IllegalArgumentException("a corrupt Kapu code manifest: " + e.getMessage(), e);
    }
  }
}
