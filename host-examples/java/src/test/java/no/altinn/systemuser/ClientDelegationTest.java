package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Client delegation (API.md §12) from nothing, against the simulator over real HTTP: the vendor
 * registers its system through the API and creates an agent request with it, the bureau approves
 * it and its own klientadministrator system user, and the bureau's software delegates, lists and
 * removes clients (one token exchange for all of it), with the typed refusals and no token (the
 * simulator's secret log: every token it minted and exchanged) in any exception.
 */
@ExtendWith(SchemaCheck.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClientDelegationTest {
    static final String BUREAU = "310816191";
    static final String ADMIN_REF = "java-klientadm";
    static final AccessPackage LONN = AccessPackage.named("regnskapsforer-lonn");
    static final AccessPackage MED = AccessPackage.named("regnskapsforer-med-signeringsrettighet");
    static final List<String> SCOPES = List.of("altinn:clientdelegations.read", "altinn:clientdelegations.write");
    static Path secretLog;
    static Sim sim;
    static SystemUserClient client;
    /** Every exception the tests caught, checked for secrets at the end. */
    static final List<Throwable> ERRORS = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws IOException {
        secretLog = Files.createTempFile("delegation-secrets", ".txt");
        sim = Sim.start(Map.of("ALTINN_SIM_SECRET_LOG", secretLog.toString()));
        client = sim.keyClient();
        client.registerSystem(SystemRegisterTest.system("314248295_javabyraa"));
        sim.clientAdministrator(BUREAU, ADMIN_REF);
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            List<String> secrets = Files.readAllLines(secretLog).stream().filter(l -> !l.isBlank()).toList();
            assertTrue(secrets.size() >= 3, "the simulator logged the tokens it minted and exchanged: " + secrets.size());
            assertTrue(ERRORS.size() >= 5, ERRORS.size() + " errors");
            for (Throwable e : ERRORS) NoSecretsTest.assertNoSecret(e, secrets);
            NoSecretsTest.assertNoSecretIn(client.toString(), secrets);
        } finally {
            if (client != null) client.close();
            if (sim != null) sim.close();
            Files.deleteIfExists(secretLog);
        }
    }

    static <T extends Throwable> T refused(Class<T> type, org.junit.jupiter.api.function.Executable call) {
        T e = assertThrows(type, call);
        ERRORS.add(e);
        return e;
    }

    /** An approved agent system user of the bureau with these packages, on the system registered through the API. */
    static String agent(String externalRef, AccessPackage... packages) {
        AgentRequest.Builder b = AgentRequest.builder("314248295_javabyraa", BUREAU).externalRef(externalRef);
        for (AccessPackage p : packages) b.accessPackage(p);
        String id = client.createAgentRequest(b.build()).request().id();
        sim.approve(id);
        return id;
    }

    @Test
    void delegateTwoClientsListThemAndRemoveOneWithOneExchange() {
        String agent = agent("java-agent", LONN);
        Bureau bureau = Bureau.of(BUREAU, ADMIN_REF);
        long exchanges = sim.calls("exchange_token");
        // The bureau's software: a client of its own (nothing exchanged yet).
        try (SystemUserClient client = sim.keyClient()) {

        AgentSystemUser listed = client.listAgents(bureau).stream().filter(a -> a.id().equals(agent)).findFirst().orElseThrow();
        assertEquals(UserType.AGENT, listed.systemUser().userType());
        assertEquals(BUREAU, listed.systemUser().reporteeOrgNo());
        assertEquals(List.of(LONN), listed.accessPackages());

        ClientList available = client.listAvailableClients(bureau, agent);
        assertEquals(agent, available.systemUserId());
        assertEquals(BUREAU, available.ownerOrgNo());
        BureauClient first = available.byOrgNo("314224965").orElseThrow();
        BureauClient second = available.byOrgNo("316501389").orElseThrow();
        assertTrue(first.name() != null && !first.name().isEmpty());

        assertEquals(new ClientLink(agent, first.id()), client.addClient(bureau, agent, first.id()));
        assertEquals(new ClientLink(agent, second.id()), client.addClient(bureau, agent, second.id()));
        assertEquals(List.of("314224965", "316501389"), client.listClients(bureau, agent).clients().stream().map(BureauClient::orgNo).sorted().toList());

        assertEquals(new ClientLink(agent, first.id()), client.removeClient(bureau, agent, first.id()));
        assertEquals(List.of(second), client.listClients(bureau, agent).clients());

        assertEquals(exchanges + 1, sim.calls("exchange_token"), "one exchange for seven delegation calls");
        }
    }

    @Test
    void theAsyncVariantsRunOnTheExecutor() throws Exception {
        String agent = agent("java-async", LONN);
        Bureau bureau = Bureau.of(BUREAU, ADMIN_REF);
        assertTrue(client.listAgentsAsync(bureau).get(30, TimeUnit.SECONDS).stream().anyMatch(a -> a.id().equals(agent)));
        BureauClient first = client.listAvailableClientsAsync(bureau, agent).get(30, TimeUnit.SECONDS).byOrgNo("314224965").orElseThrow();
        assertEquals(new ClientLink(agent, first.id()), client.addClientAsync(bureau, agent, first.id()).get(30, TimeUnit.SECONDS));
        assertEquals(List.of(first), client.listClientsAsync(bureau, agent).get(30, TimeUnit.SECONDS).clients());
        assertEquals(new ClientLink(agent, first.id()), client.removeClientAsync(bureau, agent, first.id()).get(30, TimeUnit.SECONDS));
        assertEquals(List.of(), client.listClientsAsync(bureau, agent).get(30, TimeUnit.SECONDS).clients());
        // A refusal reaches the future as the typed exception.
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.addClientAsync(bureau, agent, sim.partyUuid("316859356")).get(30, TimeUnit.SECONDS));
        AltinnException cause = assertInstanceOf(AltinnException.class, e.getCause());
        ERRORS.add(cause);
        assertEquals("AUTH-00079", cause.code().orElse(null));
    }

    @Test
    void theRefusalsAreTyped() {
        String lonn = agent("java-lonn", LONN);
        String both = agent("java-both", LONN, MED);
        Bureau bureau = Bureau.of(BUREAU, ADMIN_REF);
        AltinnException notAClient = refused(AltinnException.class, () -> client.addClient(bureau, lonn, sim.partyUuid("316859356")));
        assertEquals("AUTH-00079", notAClient.code().orElse(null));
        assertEquals(400, notAClient.status().orElse(0));
        AltinnException lacksPackage = refused(AltinnException.class, () -> client.addClient(bureau, both, sim.partyUuid("317103360")));
        assertEquals("AUTH-00080", lacksPackage.code().orElse(null));

        // A bureau whose own system user does not hold klientadministrator: Altinn's empty 403.
        String standard = client.createStandardRequest(StandardRequest.builder(Repo.SYSTEM, "314224965").externalRef("java-uten-kladm")
                .right(Right.forResource("ske-krav-og-betalinger")).build()).request().id();
        sim.approve(standard);
        ForbiddenException forbidden = refused(ForbiddenException.class, () -> client.listAgents(Bureau.of("314224965", "java-uten-kladm")));
        assertTrue(forbidden.getMessage().contains("klientadministrator"), forbidden.getMessage());
        assertEquals(ErrorKind.FORBIDDEN, forbidden.kind());
    }

    @Test
    void inTokenModeTheSupplierGivesTheBureausSystemUserTokenForTheTwoScopes() {
        AccessToken bureauToken = client.systemUserToken(BUREAU, ADMIN_REF, SCOPES);
        List<List<String>> asked = Collections.synchronizedList(new ArrayList<>());
        try (SystemUserClient tokens = SystemUserClient.builder().environment(sim.environment()).tokenSupplier(scopes -> {
            asked.add(List.copyOf(scopes));
            return bureauToken.accessToken();
        }).build()) {
            assertFalse(tokens.listAgents(Bureau.of(BUREAU, ADMIN_REF)).isEmpty());
            assertEquals(List.of(SCOPES), asked);
            // The same token named for another bureau: the exchanged token acts for 310816191.
            TokenException e = refused(TokenException.class, () -> tokens.listAgents(Bureau.of("314224965")));
            assertTrue(e.getMessage().contains(BUREAU) && e.getMessage().contains("314224965"), e.getMessage());
            NoSecretsTest.assertNoSecretIn(tokens.toString(), List.of(bureauToken.accessToken()));
        }
    }

    @Test
    void aDeletedSystemIsTheTypedConflictAndTheOthersAreTypedToo() {
        client.registerSystem(SystemRegisterTest.system("314248295_javaborte"));
        client.deleteSystem("314248295_javaborte");
        ConflictException deleted = refused(ConflictException.class,
                () -> client.setSystemAccessPackages("314248295_javaborte", List.of(LONN)));
        assertEquals("system-deleted", deleted.code().orElse(null));
        refused(NotFoundException.class, () -> client.getRegisteredSystem("314248295_finnesikke"));
        ValidationException v = refused(ValidationException.class, () -> client.listClients(Bureau.of("12345678"), "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f"));
        assertFalse(v.violations().isEmpty());
    }
}
