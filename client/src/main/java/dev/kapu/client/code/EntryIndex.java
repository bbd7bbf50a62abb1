package dev.kapu.client.code;

import dev.kapu.flight.CodeManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * What a jar holds, as a daemon looks things up: the directories of its classes and resources,
 * and under {@code META-INF/services} the registration files themselves (nearly every jar has a
 * {@code META-INF}; indexing its files keeps a service lookup from fetching all of them).
 */
public final class EntryIndex {
  private EntryIndex() {}

  /** The keys of {@code jar}'s content, sorted. */
  public static List<String> of(Path jar) throws IOException {
    TreeSet<String> keys = new TreeSet<>();
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (!e.isDirectory()) {
          String key = keyOf(e.getName());
          if (key != null) {
            keys.add(key);
          }
        }
      }
    }
    return List.copyOf(keys);
  }

  /** The key a file is found by; null for what a daemon never looks up in shipped code. */
  static String keyOf(String name) {
    if (name.startsWith("META-INF/")) {
      return name.startsWith("META-INF/services/") && name.indexOf('/', "META-INF/services/".length()) < 0 ? name : null;
    }
    if (name.equals("module-info.class")) {
      return null;
    }
    int slash = name.lastIndexOf('/');
    return slash < 0 ? "" : name.substring(0, slash);
  }

  /** Whether every key is Kapu's own (which a daemon never takes from shipped code) or a service file. */
  public static boolean onlyKapu(List<String> keys) {
    return keys.stream().allMatch(k -> k.startsWith("META-INF/") || k.equals("dev/kapu") || CodeManifest.isKapuPackage(k));
  }
}
