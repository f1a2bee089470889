package no.altinn.systemuser;

import java.time.Instant;

/**
 * A system user: what an approved request became (its {@code id} is the request's). Members as
 * Altinn names them; {@code userTypeText} keeps Altinn's text when {@code userType} is
 * {@link UserType#UNKNOWN}. Optional members may be {@code null}.
 */
public record SystemUser(
        String id,
        String integrationTitle,
        String systemId,
        String productName,
        String reporteeOrgNo,
        Instant created,
        boolean isDeleted,
        String supplierName,
        String supplierOrgNo,
        String externalRef,
        UserType userType,
        String userTypeText) {}
