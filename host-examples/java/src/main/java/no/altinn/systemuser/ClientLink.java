package no.altinn.systemuser;

/** A client (its party uuid) delegated to, or removed from, an agent system user (its id). */
public record ClientLink(String agent, String client) {}
