package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The System Register (API.md §13) through the client against the simulator over real HTTP: every method, PUT on the wire, the typed errors. */
@ExtendWith(SchemaCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SystemRegisterTest {
    static final AccessPackage LONN = AccessPackage.named("regnskapsforer-lonn");
    static final AccessPackage MED = AccessPackage.named("regnskapsforer-med-signeringsrettighet");
    static Sim sim;
    static SystemUserClient client;

    @BeforeAll
    static void start() {
        sim = Sim.start();
        client = sim.keyClient();
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (sim != null) sim.close();
    }

    /** A client system (agent packages, not visible) with texts in all three languages, as Altinn stores them. */
    static RegisteredSystem system(String id) {
        return RegisteredSystem.builder(id, Repo.VENDOR)
                .name(new LocalizedText("Byråklient", "Byråklient", "Bureau client"))
                .description(new LocalizedText("Registrert med API", "Registrert med API", "Registered by API"))
                .accessPackage(LONN).accessPackage(MED).visible(false).build();
    }

    @Test
    void registerListReadUpdatePartiallySetRightsAndPackagesAndReadTheChangelog() {
        String id = "314248295_javaregister";
        RegisteredSystem asked = RegisteredSystem.builder(id, Repo.VENDOR).name(new LocalizedText("Java", "Java", "Java"))
                .description(new LocalizedText("Registrert", "Registrert", "Registered")).accessPackage(LONN).accessPackage(MED).visible(false)
                .clientId("sim-spare-client").build();
        SystemRegistration registered = client.registerSystem(asked);
        assertFalse(registered.reconciled());
        String internal = registered.internalIdIfKnown().orElseThrow();
        Map<String, Object> stored = Json.objects(sim.get("/_sim/systems"), "systems").stream().filter(s -> id.equals(s.get("id"))).findFirst().orElseThrow();
        assertTrue(internal.equalsIgnoreCase(Json.string(stored, "internalId")), "the internal id the simulator holds");

        RegisteredSystem listed = client.listSystems().stream().filter(s -> s.id().equals(id)).findFirst().orElseThrow();
        assertEquals(Repo.VENDOR, listed.vendorOrgNo());
        assertFalse(listed.isVisible());
        RegisteredSystem before = client.getRegisteredSystem(id);
        assertEquals(List.of("sim-spare-client"), before.clientIds());
        assertEquals(List.of(LONN, MED), before.accessPackages());
        assertTrue(client.findRegisteredSystem(id).isPresent());

        int from = sim.calls().size();
        // Only the redirect URLs change: everything else is kept (read, merged, PUT whole).
        client.updateSystem(SystemUpdate.builder(id).allowedRedirectUrls(List.of("https://java.example/callback")).build());
        RegisteredSystem after = client.getRegisteredSystem(id);
        assertEquals(List.of("https://java.example/callback"), after.allowedRedirectUrls());
        assertEquals(before.name(), after.name());
        assertEquals(before.description(), after.description());
        assertEquals(before.accessPackages(), after.accessPackages());
        assertEquals(before.clientIds(), after.clientIds());
        assertEquals(before.isVisible(), after.isVisible());

        client.setSystemRights(id, List.of(Right.forResource("ske-krav-og-betalinger")));
        client.setSystemAccessPackages(id, List.of(LONN));
        after = client.getRegisteredSystem(id);
        assertEquals(List.of(Right.forResource("ske-krav-og-betalinger")), after.rights());
        assertEquals(List.of(LONN), after.accessPackages());

        List<SystemChange> log = client.systemChangelog(id);
        assertEquals(List.of("accesspackageupdate", "rightsupdate", "update", "create"), log.stream().map(SystemChange::changeType).toList(), "newest first");
        assertTrue(log.stream().allMatch(c -> internal.equalsIgnoreCase(c.systemInternalId())));
        assertTrue(log.get(3).changedData().contains("\"Id\":\"" + id + "\""), log.get(3).changedData());
        assertTrue(log.stream().allMatch(c -> c.created() != null));

        // This binding's HTTP sent the three replacements as PUT.
        List<Map<String, Object>> calls = sim.calls();
        List<String> puts = calls.subList(from, calls.size()).stream().filter(c -> "PUT".equals(c.get("method"))).map(c -> (String) c.get("route")).toList();
        assertEquals(List.of("update_registered_system", "update_registered_system_rights", "update_registered_system_access_packages"), puts);
    }

    @Test
    void anUpdateReplacesEveryMemberItSetsAndTheMergedRecordIsCheckedBeforeItIsSent() throws Exception {
        String id = "314248295_javaendres";
        client.registerSystem(RegisteredSystem.builder(id, Repo.VENDOR).name(new LocalizedText("Før", "Før", "Before"))
                .description(new LocalizedText("Før", "Før", "Before")).accessPackage(LONN).visible(false)
                .allowedRedirectUrl("https://java.example/before").build());
        Right krav = Right.forResource("ske-krav-og-betalinger");
        AccessPackage skatt = AccessPackage.named("skattegrunnlag");
        client.updateSystemAsync(SystemUpdate.builder(id).name(new LocalizedText("Etter", "Etter", "After"))
                .description(new LocalizedText("Endret", "Endra", "Changed")).rights(List.of(krav)).accessPackages(List.of(skatt))
                .clientIds(List.of("java-endres-client")).visible(true).build()).get(30, TimeUnit.SECONDS);
        RegisteredSystem after = client.getRegisteredSystem(id);
        assertEquals(new LocalizedText("Etter", "Etter", "After"), after.name());
        assertEquals(new LocalizedText("Endret", "Endra", "Changed"), after.description());
        assertEquals(List.of(krav), after.rights());
        assertEquals(List.of(skatt), after.accessPackages());
        assertEquals(List.of("java-endres-client"), after.clientIds());
        assertTrue(after.isVisible());
        assertEquals(List.of("https://java.example/before"), after.allowedRedirectUrls(), "not set in the update: kept");

        // An agent-only package on the (stored) visible system: refused after the read, nothing sent.
        long before = sim.apiCalls();
        ValidationException v = assertThrows(ValidationException.class,
                () -> client.updateSystem(SystemUpdate.builder(id).accessPackages(List.of(LONN)).build()));
        assertTrue(v.codes().contains("AUTH.VLD-00018"), v.codes().toString());
        assertEquals(before + 1, sim.apiCalls(), "the read only");
        assertEquals(List.of(skatt), client.getRegisteredSystem(id).accessPackages());
        // The same change with the system made invisible in the same update is whole and sent.
        client.updateSystem(SystemUpdate.builder(id).accessPackages(List.of(LONN)).visible(false).build());
        after = client.getRegisteredSystem(id);
        assertEquals(List.of(LONN), after.accessPackages());
        assertFalse(after.isVisible());
        assertEquals(List.of("java-endres-client"), after.clientIds());
    }

    @Test
    void aDeletedSystemIsDeletedAgainButNotChangedAndItsIdNeverReused() {
        String id = "314248295_javaslettes";
        client.registerSystem(system(id));
        client.deleteSystem(id);
        client.deleteSystem(id);
        assertTrue(client.listSystems().stream().noneMatch(s -> s.id().equals(id)), "deleted systems are not listed");
        assertTrue(client.getRegisteredSystem(id).isDeleted());
        long before = sim.apiCalls();
        ConflictException e = assertThrows(ConflictException.class, () -> client.updateSystem(SystemUpdate.builder(id).visible(false).build()));
        assertEquals("system-deleted", e.code().orElse(null));
        assertEquals(before + 1, sim.apiCalls(), "the read only: nothing was sent after it");
        assertThrows(ConflictException.class, () -> client.setSystemRights(id, List.of()));
        AltinnException reused = assertThrows(AltinnException.class, () -> client.registerSystem(system(id)));
        assertTrue(reused.fieldErrors().stream().anyMatch(v -> v.code().equals("AUTH.VLD-00002")), reused.fieldErrors().toString());
    }

    @Test
    void localValidationUnknownAndForeignSystemsAreTyped() {
        long before = sim.apiCalls();
        RegisteredSystem bad = RegisteredSystem.builder("314248295_has space", Repo.VENDOR).name(new LocalizedText("x", "x", "x"))
                .description(new LocalizedText("x", "x", "x")).accessPackage(LONN).allowedRedirectUrl("http://insecure.example/cb").build();
        ValidationException v = assertThrows(ValidationException.class, () -> client.registerSystem(bad));
        assertTrue(v.codes().containsAll(List.of("AUTH.VLD-00013", "AUTH.VLD-00005", "AUTH.VLD-00018")), v.codes().toString());
        assertEquals(before, sim.apiCalls(), "nothing was sent");

        assertTrue(client.findRegisteredSystem("314248295_finnesikke").isEmpty());
        assertThrows(NotFoundException.class, () -> client.systemChangelog("314248295_finnesikke"));
        assertThrows(ForbiddenException.class, () -> client.setSystemRights("313367002_konkurrent", List.of()));
        assertThrows(ForbiddenException.class, () -> client.deleteSystem("313367002_konkurrent"));
    }

    @Test
    void theAsyncVariantsRunOnTheExecutor() throws Exception {
        String id = "314248295_javaasync";
        assertTrue(client.registerSystemAsync(system(id)).get(30, TimeUnit.SECONDS).internalIdIfKnown().isPresent());
        client.setSystemAccessPackagesAsync(id, List.of(MED)).get(30, TimeUnit.SECONDS);
        assertTrue(client.listSystemsAsync().get(30, TimeUnit.SECONDS).stream().anyMatch(s -> s.id().equals(id) && s.accessPackages().equals(List.of(MED))));
        assertEquals(2, client.systemChangelogAsync(id).get(30, TimeUnit.SECONDS).size());
        client.deleteSystemAsync(id).get(30, TimeUnit.SECONDS);
        assertTrue(client.findRegisteredSystemAsync(id).get(30, TimeUnit.SECONDS).orElseThrow().isDeleted());
        assertTrue(client.findRegisteredSystemAsync("314248295_finnesikke").get(30, TimeUnit.SECONDS).isEmpty());
    }
}
