package no.altinn.systemuser;

import java.util.List;

/**
 * An agent system user of a bureau, as the client-delegation routes list it: the system user,
 * the registered system's internal id and the bureau's party uuid (either may be {@code null}),
 * and the access packages every client delegated to it must hold.
 */
public record AgentSystemUser(SystemUser systemUser, String systemInternalId, String partyUuid, List<AccessPackage> accessPackages) {
    public AgentSystemUser {
        accessPackages = List.copyOf(accessPackages);
    }

    /** The system user's id: the {@code agentId} the delegation calls take. */
    public String id() {
        return systemUser.id();
    }
}
