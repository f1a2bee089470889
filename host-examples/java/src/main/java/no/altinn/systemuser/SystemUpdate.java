package no.altinn.systemuser;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A change to a registered system: its id and the members to replace. A member left
 * {@code null} is <b>kept</b>: Altinn's PUT replaces the whole record, so the component reads the
 * stored system, merges this in, checks the result as the server would and sends it whole.
 *
 * <pre>{@code
 * client.updateSystem(SystemUpdate.builder("314248295_smartbyraa")
 *         .allowedRedirectUrls(List.of("https://byraa.example/callback")).build());
 * }</pre>
 */
public record SystemUpdate(
        String id,
        LocalizedText name,
        LocalizedText description,
        List<Right> rights,
        List<AccessPackage> accessPackages,
        List<String> clientIds,
        Boolean isVisible,
        List<String> allowedRedirectUrls) {

    public SystemUpdate {
        Objects.requireNonNull(id, "id");
        rights = rights == null ? null : List.copyOf(rights);
        accessPackages = accessPackages == null ? null : List.copyOf(accessPackages);
        clientIds = clientIds == null ? null : List.copyOf(clientIds);
        allowedRedirectUrls = allowedRedirectUrls == null ? null : List.copyOf(allowedRedirectUrls);
    }

    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** Builds a {@link SystemUpdate}: set only what changes. */
    public static final class Builder {
        private final String id;
        private LocalizedText name;
        private LocalizedText description;
        private List<Right> rights;
        private List<AccessPackage> accessPackages;
        private List<String> clientIds;
        private Boolean isVisible;
        private List<String> allowedRedirectUrls;

        private Builder(String id) {
            this.id = id;
        }

        /** Altinn stores a text only with all of nb, nn and en. */
        public Builder name(LocalizedText name) {
            this.name = name;
            return this;
        }

        public Builder description(LocalizedText description) {
            this.description = description;
            return this;
        }

        public Builder rights(List<Right> rights) {
            this.rights = rights == null ? null : new ArrayList<>(rights);
            return this;
        }

        public Builder accessPackages(List<AccessPackage> accessPackages) {
            this.accessPackages = accessPackages == null ? null : new ArrayList<>(accessPackages);
            return this;
        }

        /** The system's Maskinporten client ids (each on no other active system). */
        public Builder clientIds(List<String> clientIds) {
            this.clientIds = clientIds == null ? null : new ArrayList<>(clientIds);
            return this;
        }

        public Builder visible(boolean isVisible) {
            this.isVisible = isVisible;
            return this;
        }

        public Builder allowedRedirectUrls(List<String> allowedRedirectUrls) {
            this.allowedRedirectUrls = allowedRedirectUrls == null ? null : new ArrayList<>(allowedRedirectUrls);
            return this;
        }

        public SystemUpdate build() {
            return new SystemUpdate(id, name, description, rights, accessPackages, clientIds, isVisible, allowedRedirectUrls);
        }
    }
}
