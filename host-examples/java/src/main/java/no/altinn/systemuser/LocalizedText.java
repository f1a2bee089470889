package no.altinn.systemuser;

/** A text in Norwegian Bokmål, Nynorsk and English (any may be {@code null}). */
public record LocalizedText(String nb, String nn, String en) {}
