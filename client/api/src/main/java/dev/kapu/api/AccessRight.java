package dev.kapu.api;

/** What a user of the Flight port may do with a hosted resource. */
public enum AccessRight {
  /** Query it and read its metadata; never change it. */
  READ,
  /** Everything, changing data included. */
  WRITE;

  /** Whether holding this right allows what {@code needed} allows. */
  public boolean covers(AccessRight needed) {
    return compareTo(needed) >= 0;
  }
}
