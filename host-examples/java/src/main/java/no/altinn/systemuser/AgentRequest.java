package no.altinn.systemuser;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An agent system user request: access packages (no rights) the customer lets the vendor use
 * for its own clients. {@code null} means "not given" for every optional member.
 */
public record AgentRequest(
        String systemId,
        String partyOrgNo,
        String externalRef,
        String integrationTitle,
        List<AccessPackage> accessPackages,
        String redirectUrl) {

    public AgentRequest {
        Objects.requireNonNull(systemId, "systemId");
        Objects.requireNonNull(partyOrgNo, "partyOrgNo");
        accessPackages = accessPackages == null ? null : List.copyOf(accessPackages);
    }

    public static Builder builder(String systemId, String partyOrgNo) {
        return new Builder(systemId, partyOrgNo);
    }

    /** Builds an {@link AgentRequest}. */
    public static final class Builder {
        private final String systemId;
        private final String partyOrgNo;
        private String externalRef;
        private String integrationTitle;
        private List<AccessPackage> accessPackages;
        private String redirectUrl;

        private Builder(String systemId, String partyOrgNo) {
            this.systemId = systemId;
            this.partyOrgNo = partyOrgNo;
        }

        public Builder externalRef(String externalRef) {
            this.externalRef = externalRef;
            return this;
        }

        public Builder integrationTitle(String integrationTitle) {
            this.integrationTitle = integrationTitle;
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

        public Builder redirectUrl(String redirectUrl) {
            this.redirectUrl = redirectUrl;
            return this;
        }

        public AgentRequest build() {
            return new AgentRequest(systemId, partyOrgNo, externalRef, integrationTitle, accessPackages, redirectUrl);
        }
    }
}
