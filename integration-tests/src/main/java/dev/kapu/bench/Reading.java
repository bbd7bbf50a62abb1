package dev.kapu.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;

/** What one reading of the benchmark table saw; the id sum proves every way read the same rows. */
record Reading(long rows, long bytes, long idSum, double seconds) {

  double mbPerSecond() {
    return bytes / 1e6 / seconds;
  }

  double rowsPerSecond() {
    return rows / seconds;
  }

  /** Prints {@code NAME_seconds}, {@code NAME_mb_per_s} and {@code NAME_rows_per_s}. */
  void report(String name) {
    BenchMain.print(name + "_seconds", BenchMain.round(seconds, 3));
    BenchMain.print(name + "_mb_per_s", BenchMain.round(mbPerSecond(), 1));
    BenchMain.print(name + "_rows_per_s", Math.round(rowsPerSecond()));
  }

  /** {@code this} against {@code peer}: above 1 when this way is faster. */
  double versus(Reading peer) {
    return BenchMain.round(rowsPerSecond() / peer.rowsPerSecond(), 2);
  }

  interface Run {
    Reading run() throws Exception;
  }

  interface Next {
    boolean next() throws Exception;
  }

  /** Runs {@code run} {@code times} times and keeps the median by time. */
  static Reading median(int times, Run run) throws Exception {
    List<Reading> readings = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      readings.add(run.run());
    }
    return median(readings);
  }

  /** The median of {@code readings} by time. */
  static Reading median(List<Reading> readings) {
    List<Reading> sorted = new ArrayList<>(readings);
    sorted.sort(Comparator.comparingDouble(Reading::seconds));
    return sorted.get((sorted.size() - 1) / 2);
  }

  /** Reads every batch of {@code reader}, timed from {@code t0}. */
  static Reading drain(ArrowReader reader, long t0) throws Exception {
    return drain(reader.getVectorSchemaRoot(), reader::loadNextBatch, t0);
  }

  /** Loads every batch into {@code root}, sums the ids (column 0) and counts the bytes of every buffer. */
  static Reading drain(VectorSchemaRoot root, Next next, long t0) throws Exception {
    long count = 0;
    long bytes = 0;
    long idSum = 0;
    while (next.next()) {
      int n = root.getRowCount();
      count += n;
      BigIntVector ids = (BigIntVector) root.getVector(0);
      for (int i = 0; i < n; i++) {
        idSum += ids.get(i);
      }
      for (FieldVector v : root.getFieldVectors()) {
        for (ArrowBuf buf : v.getFieldBuffers()) {
          bytes += buf.readableBytes();
        }
      }
    }
    return new Reading(count, bytes, idSum, (System.nanoTime() - t0) / 1e9);
  }
}
