package no.altinn.systemuser;

import java.util.Objects;

/** An access package, by URN ({@code urn:altinn:accesspackage:skattegrunnlag}). */
public record AccessPackage(String urn) {
    public AccessPackage {
        Objects.requireNonNull(urn, "urn");
    }

    /** {@code urn:altinn:accesspackage:<name>}. */
    public static AccessPackage named(String name) {
        return new AccessPackage("urn:altinn:accesspackage:" + name);
    }
}
