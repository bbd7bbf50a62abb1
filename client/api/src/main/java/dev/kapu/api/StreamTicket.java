package dev.kapu.api;

import java.io.Serializable;

/**
 * Where a task's Arrow result waits on its daemon: fetch it once with Flight {@code DoGet} from
 * {@code location}, presenting the session's token. Kapu's client turns it into an {@code
 * ArrowReader} before the caller sees the result.
 *
 * @param location the daemon's Flight URL
 * @param ticket the one-time ticket
 * @param root the task returned one {@code VectorSchemaRoot} (the caller gets a root back), not a reader
 */
public record StreamTicket(String location, byte[] ticket, boolean root) implements Serializable {}
