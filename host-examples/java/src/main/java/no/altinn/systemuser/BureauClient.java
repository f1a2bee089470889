package no.altinn.systemuser;

/**
 * A client of an accounting bureau: its party uuid ({@code id}, what
 * {@link SystemUserClient#addClient} takes), organisation number and name ({@code null} when
 * Altinn gave none).
 */
public record BureauClient(String id, String orgNo, String name) {}
