package no.altinn.systemuser;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A system of the vendor in Altinn's System Register, as the vendor reads it
 * ({@link SystemUserClient#getRegisteredSystem}, {@link SystemUserClient#listSystems}) and
 * registers it ({@link SystemUserClient#registerSystem}: build one with {@link #builder}).
 */
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

    /**
     * A system to register: its id ({@code <vendor org no>_<name>}, no spaces) and the vendor's
     * organisation number. Visible unless {@link Builder#visible(boolean)} says otherwise.
     *
     * <pre>{@code
     * RegisteredSystem.builder("314248295_smartbyraa", "314248295")
     *     .name(new LocalizedText("SmartByrå", "SmartByrå", "SmartBureau"))
     *     .description(new LocalizedText("Klientsystem", "Klientsystem", "Client system"))
     *     .accessPackage(AccessPackage.named("regnskapsforer-lonn")).visible(false)
     *     .clientId("my-maskinporten-client").build();
     * }</pre>
     */
    public static Builder builder(String id, String vendorOrgNo) {
        return new Builder(id, vendorOrgNo);
    }

    /** Builds a {@link RegisteredSystem} to register. */
    public static final class Builder {
        private final String id;
        private final String vendorOrgNo;
        private LocalizedText name = new LocalizedText(null, null, null);
        private LocalizedText description = new LocalizedText(null, null, null);
        private final List<Right> rights = new ArrayList<>();
        private final List<AccessPackage> accessPackages = new ArrayList<>();
        private final List<String> clientIds = new ArrayList<>();
        private boolean isVisible = true;
        private final List<String> allowedRedirectUrls = new ArrayList<>();

        private Builder(String id, String vendorOrgNo) {
            this.id = Objects.requireNonNull(id, "id");
            this.vendorOrgNo = Objects.requireNonNull(vendorOrgNo, "vendorOrgNo");
        }

        /** Give all of nb, nn and en: Altinn stores a text only with all three. */
        public Builder name(LocalizedText name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        public Builder description(LocalizedText description) {
            this.description = Objects.requireNonNull(description, "description");
            return this;
        }

        public Builder right(Right right) {
            rights.add(Objects.requireNonNull(right, "right"));
            return this;
        }

        public Builder accessPackage(AccessPackage accessPackage) {
            accessPackages.add(Objects.requireNonNull(accessPackage, "accessPackage"));
            return this;
        }

        /** A Maskinporten client id of the system (on no other active system). */
        public Builder clientId(String clientId) {
            clientIds.add(Objects.requireNonNull(clientId, "clientId"));
            return this;
        }

        /** Whether customers see the system; a system with agent-only packages must not be visible. */
        public Builder visible(boolean isVisible) {
            this.isVisible = isVisible;
            return this;
        }

        /** An absolute https URL a request may send the customer back to. */
        public Builder allowedRedirectUrl(String url) {
            allowedRedirectUrls.add(Objects.requireNonNull(url, "url"));
            return this;
        }

        public RegisteredSystem build() {
            return new RegisteredSystem(id, vendorOrgNo, name, description, rights, accessPackages, clientIds, isVisible, allowedRedirectUrls, false);
        }
    }
}
