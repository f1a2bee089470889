package no.altinn.systemuser;

import java.util.List;
import java.util.Objects;

/**
 * A right: a resource as a list of attribute pairs (an app uses several) and an optional
 * {@code action}. Altinn matches it against the system's rights as a set of pairs.
 */
public record Right(String action, List<AttributePair> resource) {
    public Right {
        resource = List.copyOf(Objects.requireNonNull(resource, "resource"));
    }

    /** The right to the resource {@code urn:altinn:resource=value}. */
    public static Right forResource(String value) {
        return new Right(null, List.of(new AttributePair("urn:altinn:resource", value)));
    }

    /** The right to an app: {@code urn:altinn:org=org} and {@code urn:altinn:app=app}. */
    public static Right forApp(String org, String app) {
        return new Right(null, List.of(new AttributePair("urn:altinn:org", org), new AttributePair("urn:altinn:app", app)));
    }
}
