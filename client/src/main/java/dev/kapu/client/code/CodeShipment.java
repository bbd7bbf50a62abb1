package dev.kapu.client.code;

import dev.kapu.flight.CodeHashes;
import dev.kapu.flight.CodeManifest;
import dev.kapu.flight.CodeSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One session's code, made ready to ship: its manifest (whose hash is the code id its tasks name)
 * and the blobs it lists. {@link #shipTo} puts on the dispatcher only what the dispatcher lacks.
 */
public final class CodeShipment {
  private final String codeId;
  private final Path manifestFile;
  private final Map<String, Path> blobs = new LinkedHashMap<>();

  private CodeShipment(CodeManifest manifest, List<ClassPathCode.Shippable> entries) throws IOException {
    byte[] bytes = manifest.encode();
    this.codeId = CodeHashes.of(bytes);
    this.manifestFile = Files.createTempFile("kapu-code-manifest-", ".bin");
    manifestFile.toFile().deleteOnExit();
    Files.write(manifestFile, bytes);
    blobs.put(codeId, manifestFile);
    for (ClassPathCode.Shippable s : entries) {
      blobs.put(s.entry().hash(), s.blob());
    }
  }

  /** This JVM's class path, as one new session's code. */
  public static CodeShipment ofThisJvm() throws IOException {
    return of(ClassPathCode.ofThisJvm());
  }

  public static CodeShipment of(List<ClassPathCode.Shippable> entries) throws IOException {
    List<CodeManifest.Entry> lines = new ArrayList<>();
    entries.forEach(s -> lines.add(s.entry()));
    return new CodeShipment(new CodeManifest(UUID.randomUUID().toString(), lines), entries);
  }

  /** What the session's task envelopes name: the hash of its manifest. */
  public String codeId() {
    return codeId;
  }

  /** Puts what {@code sink} lacks there; returns how many blobs that was. */
  public int shipTo(CodeSink sink) throws IOException {
    List<String> missing = sink.missing(List.copyOf(blobs.keySet()));
    for (String hash : missing) {
      Path blob = blobs.get(hash);
      if (blob == null) {
        throw new IOException("the dispatcher asked for code " + hash + ", which this session did not offer");
      }
      sink.put(hash, blob);
    }
    return missing.size();
  }

  /** Removes the manifest's temporary file (entries stay: other sessions of this JVM may ship them). */
  public void discard() {
    manifestFile.toFile().delete();
  }
}
