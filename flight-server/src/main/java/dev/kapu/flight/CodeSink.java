package dev.kapu.flight;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Where a session puts the code it ships: its dispatcher, in this process or over Flight. */
public interface CodeSink {
  /** Of {@code hashes}, those the dispatcher does not hold yet, in the same order. */
  List<String> missing(List<String> hashes) throws IOException;

  /** Hands over {@code file}, whose SHA-256 is {@code hash}; the receiver checks it. */
  void put(String hash, Path file) throws IOException;
}
