package no.altinn.systemuser;

import java.util.Objects;

/**
 * An accounting bureau whose clients its software administers (client delegation, API.md §12):
 * its organisation number and the external ref of its own <b>standard</b> system user for a
 * system holding {@code urn:altinn:accesspackage:klientadministrator}, which the bureau approved
 * once ({@code null}: the org number was the external ref). The component gets a system-user
 * token for that system user with {@code altinn:clientdelegations.read} and {@code .write} (in
 * Maskinporten mode it makes the grant; in token mode the {@link TokenSupplier} is asked for those
 * two scopes and must give the bureau's Maskinporten system-user token) and exchanges it for an
 * Altinn token, which the client keeps until shortly before it expires.
 */
public record Bureau(String orgNo, String externalRef) {
    public Bureau {
        Objects.requireNonNull(orgNo, "orgNo");
    }

    /** The bureau whose klientadministrator system user is keyed on its own org number. */
    public static Bureau of(String orgNo) {
        return new Bureau(orgNo, null);
    }

    public static Bureau of(String orgNo, String externalRef) {
        return new Bureau(orgNo, externalRef);
    }
}
