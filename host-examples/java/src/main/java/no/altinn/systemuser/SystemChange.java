package no.altinn.systemuser;

import java.time.Instant;

/**
 * One entry of a registered system's changelog (newest first): the system's internal id, the
 * organisation that changed it, the kind of change ({@code create}, {@code update},
 * {@code rightsupdate}, {@code accesspackageupdate}, {@code delete}), the body that was sent as
 * its text (compact JSON text for a JSON body; {@code null} when Altinn logged none), the
 * caller's Maskinporten client ({@code null} when none) and when.
 */
public record SystemChange(String systemInternalId, String changedByOrgNo, String changeType, String changedData, String clientId, Instant created) {}
