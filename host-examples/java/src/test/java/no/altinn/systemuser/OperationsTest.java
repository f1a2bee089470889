package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every operation of the client against the simulator over real HTTP, in Maskinporten mode (the PEM key) and in token mode. */
@ExtendWith(SchemaCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OperationsTest {
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

    static StandardRequest standard(String org, String ref) {
        return StandardRequest.builder(Repo.SYSTEM, org).externalRef(ref).right(Right.forResource("ske-krav-og-betalinger")).redirectUrl(Repo.REDIRECT).build();
    }

    @Test
    void createStandardRequestIsIdempotentOnItsKey() {
        CreatedRequest first = client.createStandardRequest(standard("310816191", "ops-create"));
        SystemUserRequest r = first.request();
        assertTrue(first.isNew());
        assertFalse(first.reconciled());
        assertEquals(RequestKind.STANDARD, r.kind());
        assertEquals(RequestStatus.NEW, r.status());
        assertEquals("New", r.statusText());
        assertEquals(RequestStatus.NEW, r.effectiveStatus());
        assertEquals(Repo.SYSTEM, r.systemId());
        assertEquals("310816191", r.partyOrgNo());
        assertEquals("ops-create", r.externalRef());
        assertEquals(List.of(Right.forResource("ske-krav-og-betalinger")), r.rights());
        assertEquals(Repo.REDIRECT, r.redirectUrl());
        assertTrue(r.confirmUrl().startsWith(sim.url + "/accessmanagement/ui/systemuser/request?id=" + r.id()), r.confirmUrl());
        assertNotNull(r.created());
        assertFalse(r.timedOut());

        CreatedRequest again = client.createStandardRequest(standard("310816191", "ops-create"));
        assertFalse(again.isNew(), "the same key answers the existing request");
        assertEquals(r.id(), again.request().id());
    }

    @Test
    void createAgentRequestAndReadItBack() {
        AgentRequest input = AgentRequest.builder(Repo.AGENT_SYSTEM, "314224965").externalRef("ops-agent")
                .accessPackage(AccessPackage.named("regnskapsforer-lonn")).build();
        CreatedRequest created = client.createAgentRequest(input);
        assertTrue(created.isNew());
        SystemUserRequest r = created.request();
        assertEquals(RequestKind.AGENT, r.kind());
        assertEquals(List.of(AccessPackage.named("regnskapsforer-lonn")), r.accessPackages());
        assertTrue(r.confirmUrl().contains("/agentrequest?id=" + r.id()), r.confirmUrl());

        assertEquals(r.id(), client.getRequest(r.id(), RequestKind.AGENT).id());
        assertEquals(r.id(), client.getRequestByExternalRef(Repo.AGENT_SYSTEM, "314224965", "ops-agent", RequestKind.AGENT).id());
        assertTrue(client.listAllRequests(Repo.AGENT_SYSTEM, RequestKind.AGENT).anyMatch(x -> x.id().equals(r.id())));
        // Standard and agent requests live on different routes: the standard route does not see it.
        assertThrows(NotFoundException.class, () -> client.getRequest(r.id()));
    }

    @Test
    void getRequestAndByExternalRef() {
        SystemUserRequest r = client.createStandardRequest(standard("317103360", "ops-get")).request();
        SystemUserRequest got = client.getRequest(r.id());
        assertEquals(r.id(), got.id());
        assertEquals(r.confirmUrl(), got.confirmUrl());
        assertEquals(r.id(), client.getRequestByExternalRef(Repo.SYSTEM, "317103360", "ops-get").id());
        // The 0192: prefix is accepted on input, as Altinn's own.
        assertEquals(r.id(), client.getRequestByExternalRef(Repo.SYSTEM, "0192:317103360", "ops-get").id());
    }

    @Test
    void listOnePageAtATimeAndAllPages() {
        try (Sim own = Sim.start("--page-size", "2"); SystemUserClient c = own.tokenClient()) {
            // Altinn loses the item at each page boundary of a request list (API.md §14) and the
            // simulator does too unless told otherwise (a simulator without the quirk refuses the
            // setting and pages completely anyway).
            try {
                own.settings(Json.obj("listQuirks", false));
            } catch (IllegalStateException olderSimulator) {
                // no list quirks to turn off
            }
            Set<String> ids = new HashSet<>();
            for (String org : List.of("310816191", "314224965", "317103360")) {
                ids.add(c.createStandardRequest(standard(org, "ops-list")).request().id());
            }
            Page<SystemUserRequest> first = c.listRequests(Repo.SYSTEM, RequestKind.STANDARD, null);
            assertEquals(2, first.items().size());
            assertTrue(first.hasNext());
            Page<SystemUserRequest> second = c.listRequests(Repo.SYSTEM, RequestKind.STANDARD, first.nextPage());
            assertEquals(1, second.items().size());
            assertFalse(second.hasNext());
            assertNull(second.items().get(0).confirmUrl(), "list items carry no confirm URL");
            Set<String> paged = new HashSet<>();
            first.items().forEach(x -> paged.add(x.id()));
            second.items().forEach(x -> paged.add(x.id()));
            assertEquals(ids, paged);
            assertEquals(ids, c.listAllRequests(Repo.SYSTEM).map(SystemUserRequest::id).collect(Collectors.toSet()));
            assertEquals(ids, new HashSet<>(c.listAllRequestsAsync(Repo.SYSTEM, RequestKind.STANDARD).join().stream().map(SystemUserRequest::id).toList()));
        }
    }

    @Test
    void listsAsAltinnPagesThemLosingAnItemAtEachBoundary() {
        try (Sim own = Sim.start("--page-size", "2"); SystemUserClient c = own.tokenClient()) {
            Set<String> ids = new HashSet<>();
            for (String org : List.of("310816191", "314224965", "317103360", "316501389", "313981436")) {
                ids.add(c.createStandardRequest(standard(org, "ops-lossy")).request().id());
            }
            Page<SystemUserRequest> first = c.listRequests(Repo.SYSTEM, RequestKind.STANDARD, null);
            Page<SystemUserRequest> second = c.listRequests(Repo.SYSTEM, RequestKind.STANDARD, first.nextPage());
            Set<String> one = first.items().stream().map(SystemUserRequest::id).collect(Collectors.toSet());
            assertTrue(second.items().stream().noneMatch(x -> one.contains(x.id())), "the next page repeats nothing of the first");
            List<String> all = c.listAllRequests(Repo.SYSTEM).map(SystemUserRequest::id).toList();
            assertEquals(all.size(), new HashSet<>(all).size(), "no request twice");
            assertTrue(ids.containsAll(all) && all.size() >= 3, all.size() + " of " + ids.size() + " (Altinn may lose one per page boundary)");
        }
    }

    @Test
    void withdrawFreesTheKey() {
        SystemUserRequest r = client.createStandardRequest(standard("316501389", "ops-withdraw")).request();
        client.withdrawRequest(r.id());
        assertThrows(NotFoundException.class, () -> client.getRequest(r.id()));
        CreatedRequest again = client.createStandardRequest(standard("316501389", "ops-withdraw"));
        assertTrue(again.isNew(), "a withdrawn request frees its key");
    }

    @Test
    void verifyListSystemUsersAndTheSystemUserToken() {
        String org = "313981436";
        SystemUserRequest r = client.createStandardRequest(standard(org, "ops-verify")).request();
        assertEquals(Optional.empty(), client.verifySystemUser(Repo.SYSTEM, org, "ops-verify"), "no system user before approval");
        sim.approve(r.id());
        assertEquals(RequestStatus.ACCEPTED, client.getRequest(r.id()).status());

        SystemUser user = client.verifySystemUser(Repo.SYSTEM, org, "ops-verify").orElseThrow();
        assertEquals(r.id(), user.id(), "a system user's id is its request's");
        assertEquals(Repo.SYSTEM, user.systemId());
        assertEquals(org, user.reporteeOrgNo());
        assertEquals("ops-verify", user.externalRef());
        assertEquals(UserType.STANDARD, user.userType());
        assertFalse(user.isDeleted());

        Page<SystemUser> page = client.listSystemUsers(Repo.SYSTEM, null);
        assertTrue(page.items().stream().anyMatch(u -> u.id().equals(r.id())));
        assertTrue(client.listAllSystemUsers(Repo.SYSTEM).anyMatch(u -> u.id().equals(r.id())));

        AccessToken token = client.systemUserToken(org, "ops-verify", List.of(Repo.SERVICE_SCOPE));
        assertTrue(token.accessToken().split("\\.").length == 3, "a JWT");
        assertTrue(token.scope().contains(Repo.SERVICE_SCOPE), token.scope());
        assertTrue(token.expiresAt().isAfter(Instant.now()));
        assertFalse(token.toString().contains(token.accessToken()));
        // Cached in the client: the same token again, without a second grant.
        assertEquals(token.accessToken(), client.systemUserToken(org, "ops-verify", List.of(Repo.SERVICE_SCOPE)).accessToken());
    }

    @Test
    void registeredSystem() {
        RegisteredSystem s = client.getRegisteredSystem(Repo.SYSTEM);
        assertEquals(Repo.SYSTEM, s.id());
        assertEquals(Repo.VENDOR, s.vendorOrgNo());
        assertEquals("SmartRegnskap", s.name().nb());
        assertTrue(s.clientIds().contains(Repo.CLIENT_ID));
        assertEquals(List.of(Repo.REDIRECT), s.allowedRedirectUrls());
        assertTrue(s.rights().contains(Right.forApp("ttd", "regnskap")));
        assertTrue(s.accessPackages().contains(AccessPackage.named("skattegrunnlag")));
    }

    @Test
    void everyAsyncVariant() {
        String org = "316859356";
        CreatedRequest created = client.createStandardRequestAsync(standard(org, "ops-async")).join();
        String id = created.request().id();
        assertEquals(id, client.getRequestAsync(id, RequestKind.STANDARD).join().id());
        assertEquals(id, client.getRequestByExternalRefAsync(Repo.SYSTEM, org, "ops-async", RequestKind.STANDARD).join().id());
        assertFalse(client.listRequestsAsync(Repo.SYSTEM, RequestKind.STANDARD, null).join().items().isEmpty());
        assertTrue(client.listAllRequestsAsync(Repo.SYSTEM, RequestKind.STANDARD).join().stream().anyMatch(x -> x.id().equals(id)));
        assertEquals(Optional.empty(), client.verifySystemUserAsync(Repo.SYSTEM, org, "ops-async").join());
        sim.approve(id);
        assertTrue(client.verifySystemUserAsync(Repo.SYSTEM, org, "ops-async").join().isPresent());
        assertFalse(client.listSystemUsersAsync(Repo.SYSTEM, null).join().items().isEmpty());
        assertFalse(client.listAllSystemUsersAsync(Repo.SYSTEM).join().isEmpty());
        assertEquals(Repo.SYSTEM, client.getRegisteredSystemAsync(Repo.SYSTEM).join().id());
        assertFalse(client.systemUserTokenAsync(org, "ops-async", List.of(Repo.SERVICE_SCOPE)).join().accessToken().isEmpty());
        AgentRequest agent = AgentRequest.builder(Repo.AGENT_SYSTEM, org).externalRef("ops-async").accessPackage(AccessPackage.named("ansvarlig-revisor")).build();
        String agentId = client.createAgentRequestAsync(agent).join().request().id();
        client.withdrawRequestAsync(agentId).join();
        assertThrows(NotFoundException.class, () -> client.getRequest(agentId, RequestKind.AGENT));
        // An error comes out of the future as itself, wrapped as CompletableFuture does.
        java.util.concurrent.CompletionException e = assertThrows(java.util.concurrent.CompletionException.class,
                () -> client.getRequestAsync("0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f", RequestKind.STANDARD).join());
        assertTrue(e.getCause() instanceof NotFoundException, String.valueOf(e.getCause()));
    }

    @Test
    void validateOfflineNormalisesAndChecksAgainstTheSystem() {
        long before = sim.apiCalls();
        StandardRequest input = StandardRequest.builder("  " + Repo.SYSTEM + " ", "0192:310816191").externalRef(" kunde-1 ")
                .right(Right.forResource("ske-krav-og-betalinger")).build();
        StandardRequest normalised = client.validate(input);
        assertEquals(Repo.SYSTEM, normalised.systemId());
        assertEquals("310816191", normalised.partyOrgNo());
        assertEquals("kunde-1", normalised.externalRef());
        assertEquals(input.rights(), normalised.rights());
        assertNull(normalised.accessPackages());

        RegisteredSystem system = client.getRegisteredSystem(Repo.SYSTEM);
        StandardRequest evil = StandardRequest.builder(Repo.SYSTEM, "310816191").accessPackage(AccessPackage.named("revisormedarbeider"))
                .redirectUrl("https://evil.example/callback").build();
        ValidationException e = assertThrows(ValidationException.class, () -> client.validate(evil, system));
        assertTrue(e.codes().contains("AUTH-00021"), e.codes().toString());
        assertTrue(e.codes().contains("AUTH-00064"), e.codes().toString());
        AgentRequest agent = client.validate(AgentRequest.builder(Repo.AGENT_SYSTEM, "310816191").accessPackage(AccessPackage.named("regnskapsforer-lonn")).build());
        assertEquals("310816191", agent.partyOrgNo());
        assertEquals(before + 1, sim.apiCalls(), "validation sends nothing (the one call was the registered system)");
    }

    @Test
    void tokenModeAsksForExactlyTheScopesEachRouteNeeds() {
        try (Sim own = Sim.start(); SystemUserClient c = own.tokenClient()) {
            SystemUserRequest r = c.createStandardRequest(standard("312317761", "ops-token")).request();
            c.getRequest(r.id());
            c.verifySystemUser(Repo.SYSTEM, "312317761", "ops-token");
            c.getRegisteredSystem(Repo.SYSTEM);
            List<List<String>> asked = new ArrayList<>(own.asked);
            // The create's pre-flight reads the registered system first, then posts.
            assertEquals(List.of(List.of("altinn:authentication/systemregister.write"), List.of("altinn:authentication/systemuser.request.write")),
                    asked.subList(0, 2), "create");
            assertTrue(asked.contains(List.of("altinn:authentication/systemuser.request.read")), asked.toString());
            assertTrue(asked.contains(List.of("altinn:authentication/systemregister.write")), asked.toString());
            assertTrue(own.minted.size() >= 4);
            // system-user-token needs Maskinporten mode: refused before anything is sent.
            long calls = own.apiCalls();
            SystemUserException e = assertThrows(SystemUserException.class, () -> c.systemUserToken("312317761", "ops-token", List.of(Repo.SERVICE_SCOPE)));
            assertTrue(e instanceof ValidationException || e instanceof TokenException, e.toString());
            assertEquals(calls, own.apiCalls());
        }
    }

    @Test
    void statusesTimedOutAndUnknown() throws Exception {
        try (Sim own = Sim.start(); SystemUserClient c = own.tokenClient()) {
            SystemUserRequest r = c.createStandardRequest(standard("310816191", "ops-timeout")).request();
            own.post("/_sim/clock/advance", Json.obj("days", 181L));
            SystemUserRequest late = c.getRequest(r.id());
            assertEquals(RequestStatus.NEW, late.status());
            assertTrue(late.timedOut());
            assertEquals(RequestStatus.TIMED_OUT, late.effectiveStatus());
            assertTrue(late.effectiveStatus().isTerminal());
        }
        // A status this version does not know, as a (future) Altinn would send it: UNKNOWN, the text kept.
        Map<String, Object> body = Json.obj("id", "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f", "externalRef", "kunde-42", "systemId", Repo.SYSTEM,
                "partyOrgNo", "310816191", "rights", List.of(), "accessPackages", List.of(), "status", "PendingReview", "escalated", false,
                "created", "2026-03-01T10:15:00Z", "timedOut", false);
        Pump.Transport altinn = request -> Json.obj("input", "response", "response", Json.obj("status", 200L, "headers",
                List.of(List.of("content-type", "application/json")), "body", java.util.Base64.getEncoder().encodeToString(Json.writeBytes(body))));
        try (SystemUserClient c = SystemUserClient.builder().environment(Environment.TT02).tokenSupplier(s -> "t").build()) {
            Map<String, Object> outcome = new Pump(NativeLib.get(), altinn, null, s -> "t")
                    .run(c.newOperation(Json.writeBytes(Json.obj("v", 1L, "task", "get-request", "id", "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f"))));
            SystemUserRequest unknown = Convert.request(Json.object(outcome, "request"));
            assertEquals(RequestStatus.UNKNOWN, unknown.status());
            assertEquals("PendingReview", unknown.statusText());
            assertFalse(unknown.status().isTerminal());
        }
    }

    @Test
    void aClosedClientRefusesCallsAndClosingTwiceIsFine() {
        SystemUserClient c = sim.tokenClient();
        c.getRegisteredSystem(Repo.SYSTEM);
        c.close();
        c.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.getRegisteredSystem(Repo.SYSTEM));
        assertTrue(e.getMessage().contains("closed"));
    }

    @Test
    void builderRefusesAmbiguousCredentialsAndRedirectingHttpClients() {
        assertThrows(IllegalStateException.class, () -> SystemUserClient.builder().environment(Environment.TT02).build());
        assertThrows(IllegalStateException.class, () -> SystemUserClient.builder().environment(Environment.TT02).tokenSupplier(s -> "x")
                .maskinporten(Repo.CLIENT_ID, Repo.pemKey()).build());
        assertThrows(IllegalStateException.class, () -> SystemUserClient.builder().tokenSupplier(s -> "x").build());
        java.net.http.HttpClient following = java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SystemUserClient.builder().environment(Environment.TT02).tokenSupplier(s -> "x").httpClient(following).build());
        assertTrue(e.getMessage().contains("redirect"));
    }
}
