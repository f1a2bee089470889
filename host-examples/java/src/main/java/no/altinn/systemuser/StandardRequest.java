package no.altinn.systemuser;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A standard system user request (Altinn's create body): the system, the customer, and rights
 * and/or access packages the customer is asked to grant. {@code null} means "not given" for every
 * optional member ({@code rights} absent and {@code rights} empty are different to Altinn).
 * The component checks it (in the server's rule order) before anything is sent.
 *
 * <pre>{@code
 * StandardRequest.builder("314248295_smartregnskap", "310816191")
 *     .externalRef("kunde-42")
 *     .right(Right.forResource("ske-krav-og-betalinger"))
 *     .build();
 * }</pre>
 */
public record StandardRequest(
        String systemId,
        String partyOrgNo,
        String externalRef,
        String integrationTitle,
        List<Right> rights,
        List<AccessPackage> accessPackages,
        String redirectUrl) {

    public StandardRequest {
        Objects.requireNonNull(systemId, "systemId");
        Objects.requireNonNull(partyOrgNo, "partyOrgNo");
        rights = rights == null ? null : List.copyOf(rights);
        accessPackages = accessPackages == null ? null : List.copyOf(accessPackages);
    }

    public static Builder builder(String systemId, String partyOrgNo) {
        return new Builder(systemId, partyOrgNo);
    }

    /** Builds a {@link StandardRequest}; every member but the system and the customer is optional. */
    public static final class Builder {
        private final String systemId;
        private final String partyOrgNo;
        private String externalRef;
        private String integrationTitle;
        private List<Right> rights;
        private List<AccessPackage> accessPackages;
        private String redirectUrl;

        private Builder(String systemId, String partyOrgNo) {
            this.systemId = systemId;
            this.partyOrgNo = partyOrgNo;
        }

        /** The vendor's own key for the customer (the dedupe key with org and system): {@code [A-Za-z0-9æøåÆØÅ_-]}, ≤ 255. */
        public Builder externalRef(String externalRef) {
            this.externalRef = externalRef;
            return this;
        }

        public Builder integrationTitle(String integrationTitle) {
            this.integrationTitle = integrationTitle;
            return this;
        }

        public Builder right(Right right) {
            if (rights == null) rights = new ArrayList<>();
            rights.add(right);
            return this;
        }

        /** Sets the rights (an empty list is sent as {@code []}, {@code null} leaves the member out). */
        public Builder rights(List<Right> rights) {
            this.rights = rights == null ? null : new ArrayList<>(rights);
            return this;
        }

        public Builder accessPackage(AccessPackage accessPackage) {
            if (accessPackages == null) accessPackages = new ArrayList<>();
            accessPackages.add(accessPackage);
            return this;
        }

        public Builder accessPackages(List<AccessPackage> accessPackages) {
            this.accessPackages = accessPackages == null ? null : new ArrayList<>(accessPackages);
            return this;
        }

        /** Where Altinn sends the customer afterwards: one of the system's allowed redirect URLs. */
        public Builder redirectUrl(String redirectUrl) {
            this.redirectUrl = redirectUrl;
            return this;
        }

        public StandardRequest build() {
            return new StandardRequest(systemId, partyOrgNo, externalRef, integrationTitle, rights, accessPackages, redirectUrl);
        }
    }
}
