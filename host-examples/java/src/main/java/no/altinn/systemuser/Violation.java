package no.altinn.systemuser;

/**
 * One rule an input breaks: a stable {@code code} (the server's AUTH code where it has one, e.g.
 * {@code AUTH-00021}, else the component's, e.g. {@code org-no-checksum}), the {@code field} path
 * ({@code partyOrgNo}, {@code rights[0].resource}; empty for the body itself) and a message that
 * says what to do.
 */
public record Violation(String code, String field, String message) {}
