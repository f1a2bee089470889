package no.altinn.systemuser;

import java.util.Optional;

/**
 * A system registered in the System Register: its new internal id (what Altinn answered), or,
 * when the answer was lost and the component found the system by its id instead
 * ({@code reconciled}), no internal id.
 */
public record SystemRegistration(String internalId, boolean reconciled) {
    public Optional<String> internalIdIfKnown() {
        return Optional.ofNullable(internalId);
    }
}
