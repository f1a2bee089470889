package no.altinn.systemuser;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A request as Altinn returned it. {@code status} is {@link RequestStatus#UNKNOWN} for a status
 * this version does not know, with Altinn's text in {@code statusText} (always Altinn's
 * spelling); {@code effectiveStatus} is what to act on ({@code TIMED_OUT} for a {@code New}
 * request carrying {@code timedOut}). {@code integrationTitle}, {@code redirectUrl},
 * {@code confirmUrl} (absent on list items) and {@code created} may be {@code null}.
 */
public record SystemUserRequest(
        String id,
        RequestKind kind,
        RequestStatus status,
        String statusText,
        RequestStatus effectiveStatus,
        String systemId,
        String partyOrgNo,
        String externalRef,
        String integrationTitle,
        List<Right> rights,
        List<AccessPackage> accessPackages,
        String redirectUrl,
        String confirmUrl,
        boolean escalated,
        Instant created,
        boolean timedOut) {

    public SystemUserRequest {
        rights = List.copyOf(rights);
        accessPackages = List.copyOf(accessPackages);
    }

    /** The link to send the customer to (absent on list items: get the request by id for it). */
    public Optional<String> confirmLink() {
        return Optional.ofNullable(confirmUrl);
    }
}
