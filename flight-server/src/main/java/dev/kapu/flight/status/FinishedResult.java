package dev.kapu.flight.status;

/**
 * A query result a daemon served straight to its Flight SQL client, as it ended: the daemon reports
 * it, as this server does not see the stream.
 *
 * @param ticket the ticket it was fetched with
 * @param status OK, CANCELLED, or the gRPC code of its failure
 * @param message its failure's message; null if none
 * @param endedMillisAgo how long before the daemon's report it ended
 */
public record FinishedResult(String ticket, long rows, long bytes, String status, String message, long endedMillisAgo) {}
