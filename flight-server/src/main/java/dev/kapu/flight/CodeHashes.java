package dev.kapu.flight;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Shipped code is named by the SHA-256 of its bytes, in lower-case hex. */
public final class CodeHashes {
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

  private CodeHashes() {}

  public static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  public static String of(byte[] bytes) {
    MessageDigest d = digest();
    d.update(bytes);
    return hex(d);
  }

  public static String of(Path file) throws IOException {
    MessageDigest d = digest();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), d)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return hex(d);
  }

  /** Whether {@code name} is a hash, and so safe as a file name too. */
  public static boolean isHash(String name) {
    return name != null && HASH.matcher(name).matches();
  }
}
