package dev.kapu.daemon;

import java.io.Serializable;

/**
 * Where a task's result stream waits: fetch it once with Flight {@code DoGet} from {@code
 * location}, presenting the session's token.
 *
 * @param location the daemon's Flight URL
 * @param ticket the one-time ticket
 */
public record StreamTicket(String location, byte[] ticket) implements Serializable {}
