package no.altinn.systemuser;

import java.util.Objects;

/** One {@code (id, value)} pair of a right's resource, e.g. {@code urn:altinn:resource = ske-krav-og-betalinger}. */
public record AttributePair(String id, String value) {
    public AttributePair {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(value, "value");
    }
}
