package dev.kapu.client;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A running map: completes with the results in input order, or with a {@link MapException}.
 * Cancelling it cancels every item not yet done.
 *
 * @param <R> the result type
 */
public abstract class MapJob<R> extends CompletableFuture<List<R>> {

  MapJob() {}

  /** Items whose results have arrived. */
  public abstract long completedItems();

  /** All items. */
  public abstract long totalItems();

  @Override
  public <U> CompletableFuture<U> newIncompleteFuture() {
    return new CompletableFuture<>();
  }
}
