package no.altinn.systemuser;

import java.util.List;

/** A system of the vendor in Altinn's System Register, as the vendor reads it. */
public record RegisteredSystem(
        String id,
        String vendorOrgNo,
        LocalizedText name,
        LocalizedText description,
        List<Right> rights,
        List<AccessPackage> accessPackages,
        List<String> clientIds,
        boolean isVisible,
        List<String> allowedRedirectUrls,
        boolean isDeleted) {

    public RegisteredSystem {
        rights = List.copyOf(rights);
        accessPackages = List.copyOf(accessPackages);
        clientIds = List.copyOf(clientIds);
        allowedRedirectUrls = List.copyOf(allowedRedirectUrls);
    }
}
