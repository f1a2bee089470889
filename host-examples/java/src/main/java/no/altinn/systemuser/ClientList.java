package no.altinn.systemuser;

import java.util.List;
import java.util.Optional;

/**
 * The clients of an agent system user: delegated to it ({@link SystemUserClient#listClients}) or
 * available to delegate ({@link SystemUserClient#listAvailableClients}). Never paged; the
 * component checks the list is about the agent system user asked for.
 */
public record ClientList(String systemUserId, String ownerOrgNo, List<BureauClient> clients) {
    public ClientList {
        clients = List.copyOf(clients);
    }

    /** The client with this organisation number, if listed. */
    public Optional<BureauClient> byOrgNo(String orgNo) {
        return clients.stream().filter(c -> c.orgNo().equals(orgNo)).findFirst();
    }
}
