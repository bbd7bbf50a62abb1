package acme.shop;

import java.io.Serializable;

/** A result type of the application's own: the client reads it back with no allow-list entry. */
public record Quote(String version, int total) implements Serializable {}
