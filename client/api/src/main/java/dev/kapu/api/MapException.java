package dev.kapu.api;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;

/**
 * Items of a map failed. With stop-on-first-error (the default) it holds the first failure and
 * the rest were cancelled; otherwise every item ran and it holds every failure and every result.
 */
public class MapException extends KapuException {
  private static final long serialVersionUID = 1L;
  private final transient SortedMap<Integer, Throwable> failures;
  private final transient List<?> results;

  public MapException(String message, SortedMap<Integer, Throwable> failures, List<?> results) {
    super(message, failures.isEmpty() ? null : failures.get(failures.firstKey()));
    this.failures = Collections.unmodifiableSortedMap(failures);
    this.results = results;
  }

  /** Index of each failed item, in order, and why it failed. */
  public SortedMap<Integer, Throwable> failures() {
    return failures;
  }

  /** Results by index; null where an item failed or never ran. */
  public List<?> results() {
    return results;
  }
}
