package dev.kapu.api;

import java.util.Set;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Named Arrow tables held in a daemon's memory, under an allocator with a limit. A table becomes
 * visible only once all of it has been read in, so readers never see half a table. The daemon's
 * DuckDB resources can query them by name.
 */
public interface ArrowTables {

  /** Reads {@code data} to its end and stores it as {@code name}, replacing any table of that name. */
  void put(String name, ArrowReader data) throws java.io.IOException;

  /** A new reader over the table's batches (each reader is independent); close it when done. */
  ArrowReader get(String name);

  boolean contains(String name);

  Schema schema(String name);

  long rowCount(String name);

  /** Removes the table and frees its memory; false if there was none. */
  boolean drop(String name);

  Set<String> names();
}
