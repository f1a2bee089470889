package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The hostile-input catalogue (tests/hostile/catalogue.json), every case, with the catalogue's
 * expected typed error, each through the highest layer of this package that can express it:
 *
 * <ul>
 *   <li><b>the client</b> ({@link SystemUserClient}): identifier cases (each identifier in the
 *       call that takes it), typed create cases ({@code validate}, with the registered system
 *       when the case names one), token cases (a {@link TokenSupplier} giving the hostile token;
 *       the simulator's call log proves nothing was sent) and server cases (the simulator's
 *       hostile faults over real HTTP, with the case's time bounds);</li>
 *   <li><b>the pump</b> ({@link Pump}, the binding's own loop, with the catalogue's answer in
 *       place of HTTP): response cases (an answer to the named call of tests/calls.json, the
 *       change-request reads of issue #16 and the System Register and client-delegation calls
 *       of issue #17 among them, each as its task document: a change of a system first reads
 *       the stored one, answered with a system allowing the change; a delegation call first
 *       exchanges the bureau's token, answered with a canned Altinn JWT), and
 *       create cases the records cannot hold ({@code su_client_validate} with the body as
 *       JSON);</li>
 *   <li><b>the library's refusal</b>: create bodies that are not a JSON object of UTF-8 text
 *       cannot travel inside a {@code validate} document; the library must refuse the document
 *       ({@code invalid-argument}), not crash or accept it.</li>
 * </ul>
 */
@ExtendWith(SchemaCheck.class)
class HostileCatalogueTest {
    static final Map<String, Object> CATALOGUE = Repo.json("tests/hostile/catalogue.json");
    static final Map<String, Object> CALLS = Json.object(Repo.json("tests/calls.json"), "calls");
    static final Map<String, Object> SYSTEMS = Repo.json("tests/vectors/systems.json");
    static final List<Map<String, Object>> CASES = Json.objects(CATALOGUE, "cases");
    static final String RID = Json.string(CATALOGUE, "request_id");
    static final String SYS = Json.string(CATALOGUE, "system_id");
    static final String ORG = Json.string(CATALOGUE, "org_no");
    static final String REF = Json.string(CATALOGUE, "external_ref");
    static final Duration CASE_LIMIT = Duration.ofSeconds(60);

    /** category → route → [run, passed] */
    static final Map<String, Map<String, int[]>> TABLE = new ConcurrentHashMap<>();

    static Sim sim;
    static SystemUserClient client;

    @BeforeAll
    static void start() {
        sim = Sim.start();
        client = sim.tokenClient();
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (sim != null) sim.close();
        StringBuilder sb = new StringBuilder("\nhostile catalogue through the Java package (" + CASES.size() + " cases)\n");
        sb.append(String.format("%-11s %-38s %6s %6s%n", "category", "through", "cases", "passed"));
        new TreeMap<>(TABLE).forEach((cat, routes) -> new TreeMap<>(routes).forEach((route, n) -> sb.append(String.format("%-11s %-38s %6d %6d%n", cat, route, n[0], n[1]))));
        System.out.print(sb);
    }

    static void record(Map<String, Object> c, String route, boolean passed) {
        int[] n = TABLE.computeIfAbsent(Json.string(c, "category"), k -> new ConcurrentHashMap<>()).computeIfAbsent(route, k -> new int[2]);
        synchronized (n) {
            n[0]++;
            if (passed) n[1]++;
        }
    }

    static Stream<Map<String, Object>> cases(String op) {
        return CASES.stream().filter(c -> op.equals(c.get("op")));
    }

    static DynamicTest test(Map<String, Object> c, String route, Runnable body) {
        return DynamicTest.dynamicTest(Json.string(c, "name"), () -> {
            boolean ok = false;
            try {
                assertTimeoutPreemptively(CASE_LIMIT, body::run);
                ok = true;
            } finally {
                record(c, route, ok);
            }
        });
    }

    @Test
    void theCatalogueHasTheCasesAndEveryOneIsRunHere() {
        assertTrue(CASES.size() >= 191, CASES.size() + " cases");
        Set<String> ops = Set.of("identifier", "create", "response", "token", "server");
        for (Map<String, Object> c : CASES) assertTrue(ops.contains(c.get("op")), "a case of an op this test does not run: " + c.get("name"));
        for (String name : List.of("create-standard", "create-agent", "get", "get-agent", "by-external-ref", "list", "list-agent", "withdraw", "verify",
                "list-users", "system", "get-change", "change-by-external-ref", "list-changes")) {
            assertTrue(CALLS.containsKey(name), "tests/calls.json lacks " + name);
        }
        // Every named call is a task the pump runs, but the protocol-only ones, which no case names.
        for (String name : CALLS.keySet()) {
            if (PROTOCOL_ONLY.contains(name)) {
                assertTrue(CASES.stream().noneMatch(c -> name.equals(c.get("call")) || name.equals(c.get("task"))), "a case names the protocol-only call " + name);
                continue;
            }
            Map<String, Object> doc = task(name, Json.object(CALLS, name));
            assertEquals(List.of(), SchemaCheck.SCHEMA.errors("task", doc), name + " as a task document");
        }
        // The change-request cases of issue #16: the three change reads, through the pump.
        List<Map<String, Object>> changes = CASES.stream().filter(c -> "change".equals(c.get("category"))).toList();
        assertTrue(changes.size() >= 17, changes.size() + " change cases");
        for (Map<String, Object> c : changes) {
            assertEquals("response", c.get("op"), Json.string(c, "name"));
            assertTrue(Set.of("get-change", "change-by-external-ref", "list-changes").contains(c.get("call")), Json.string(c, "name"));
        }
        // The System Register and client-delegation cases of issue #17: answers to their calls, through the pump.
        List<Map<String, Object>> issue17 = CASES.stream().filter(c -> Set.of("system", "delegation").contains(c.get("category"))).toList();
        assertTrue(issue17.size() >= 22, issue17.size() + " system and delegation cases");
        for (Map<String, Object> c : issue17) {
            assertEquals("response", c.get("op"), Json.string(c, "name"));
            assertTrue(SYSTEM_CALLS.contains(c.get("call")) || DELEGATION_CALLS.contains(c.get("call")), Json.string(c, "name"));
        }
    }

    /** The System Register calls of tests/calls.json (API.md §13). */
    static final Set<String> SYSTEM_CALLS = Set.of("list-systems", "register-system", "replace-system", "set-system-rights", "set-system-packages",
            "delete-system", "changelog");
    /** The client-delegation calls (API.md §12): as tasks they name the bureau (the catalogue's org) and exchange its token first. */
    static final Set<String> DELEGATION_CALLS = Set.of("list-agents", "available-clients", "list-clients", "add-client", "remove-client");
    /** What a delegation task's exchange is answered with: an Altinn JWT (bare text) expiring in 2100. */
    static final String EXCHANGED = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln";

    /**
     * Named calls that are protocol calls, never a task: {@code create-change} is the POST of a
     * change request with its system user's id (for the parser's vectors and the fuzz corpus);
     * the task {@code create-change-request} looks the system user up by its key first.
     */
    static final Set<String> PROTOCOL_ONLY = Set.of("create-change");

    // ---- generators ----------------------------------------------------------------------------

    /** The catalogue's generators: text, {hex}, {repeat, times}, {concat}, {json}. */
    @SuppressWarnings("unchecked")
    static byte[] generate(Object spec) {
        if (spec instanceof String) return ((String) spec).getBytes(StandardCharsets.UTF_8);
        Map<String, Object> m = (Map<String, Object>) spec;
        if (m.containsKey("hex")) return HexFormat.of().parseHex((String) m.get("hex"));
        if (m.containsKey("repeat")) return ((String) m.get("repeat")).repeat(Math.toIntExact((Long) m.get("times"))).getBytes(StandardCharsets.UTF_8);
        if (m.containsKey("concat")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Object part : (List<Object>) m.get("concat")) out.writeBytes(generate(part));
            return out.toByteArray();
        }
        if (m.containsKey("json")) return Json.writeBytes(m.get("json"));
        throw new IllegalArgumentException("unknown generator " + m.keySet());
    }

    static String text(Object spec) {
        return new String(generate(spec), StandardCharsets.UTF_8);
    }

    /** The bytes as a JSON object, or null when they are not UTF-8 text of one (within the nesting the binding reads). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> jsonObject(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            Object v = Json.parse(bytes);
            return v instanceof Map ? (Map<String, Object>) v : null;
        } catch (CharacterCodingException | IllegalArgumentException e) {
            return null;
        }
    }

    // ---- identifier: through the client ----------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> identifierCasesThroughTheClient() {
        return cases("identifier").map(c -> test(c, "client (the call taking it)", () -> {
            String input = text(c.get("input"));
            String check = Json.string(c, "check");
            Runnable call = switch (check) {
                case "org-no" -> () -> client.verifySystemUser(SYS, input, REF);
                case "system-id" -> () -> client.getRegisteredSystem(input);
                case "external-ref" -> () -> client.getRequestByExternalRef(SYS, ORG, input);
                case "request-id" -> () -> client.getRequest(input);
                default -> throw new IllegalArgumentException(check);
            };
            long before = sim.apiCalls();
            ValidationException e = expectThrown(ValidationException.class, call, c);
            assertTrue(e.codes().contains(Json.string(Json.object(c, "expect"), "code")), "codes " + e.codes());
            assertEquals(before, sim.apiCalls(), "nothing was sent");
        }));
    }

    // ---- create: typed through the client, else through su_client_validate, else refused ---------

    @TestFactory
    Stream<DynamicTest> createCases() {
        return cases("create").map(c -> {
            byte[] body = generate(c.get("body"));
            Map<String, Object> bodyJson = jsonObject(body);
            Object systemSpec = c.get("system");
            byte[] systemBytes = systemSpec == null ? null
                    : systemSpec instanceof String && SYSTEMS.containsKey(systemSpec) ? Json.writeBytes(SYSTEMS.get(systemSpec)) : generate(systemSpec);
            Map<String, Object> systemJson = systemBytes == null ? null : jsonObject(systemBytes);
            String kind = Json.string(c, "kind");
            String code = Json.string(Json.object(c, "expect"), "code");
            Object typed = bodyJson == null || (systemBytes != null && systemJson == null) ? null : typed(kind, bodyJson);
            if (typed != null) {
                return test(c, "client (validate, typed records)", () -> {
                    RegisteredSystem system = systemJson == null ? null : registeredSystem(systemJson);
                    ValidationException e = expectThrown(ValidationException.class,
                            () -> {
                                if (typed instanceof StandardRequest) client.validate((StandardRequest) typed, system);
                                else client.validate((AgentRequest) typed, system);
                            }, c);
                    assertTrue(e.codes().contains(code), "codes " + e.codes());
                });
            }
            if (bodyJson != null && (systemBytes == null || systemJson != null)) {
                return test(c, "pump (su_client_validate, JSON body)", () -> {
                    Map<String, Object> doc = Json.obj("v", 1L, "kind", kind, "request", bodyJson, "system", systemJson);
                    Map<String, Object> out;
                    try {
                        out = Json.parseObject(client.validateDocument(Json.writeBytes(doc)));
                    } catch (InvalidArgumentException e) {
                        // libsystemuser answers a body the component cannot decode (a number as
                        // partyOrgNo) with invalid-argument naming the component's code, not with
                        // "valid": false (ABI.md's validate schema lets such a body through).
                        assertTrue(e.getMessage().endsWith("[" + code + "]"), e.getMessage());
                        System.out.println("create case " + Json.write(c.get("name")) + ": libsystemuser answered invalid-argument naming [" + code + "]");
                        return;
                    }
                    assertEquals(Boolean.FALSE, out.get("valid"));
                    List<String> codes = Errors.violations(out).stream().map(Violation::code).toList();
                    assertTrue(codes.contains(code), "codes " + codes);
                });
            }
            return test(c, "library refusal (not a JSON object)", () -> {
                // The body (and system) spliced into the validate document as they are.
                ByteArrayOutputStream doc = new ByteArrayOutputStream();
                doc.writeBytes(("{\"v\":1,\"kind\":\"" + kind + "\",\"request\":").getBytes(StandardCharsets.UTF_8));
                doc.writeBytes(body);
                if (systemBytes != null) {
                    doc.writeBytes(",\"system\":".getBytes(StandardCharsets.UTF_8));
                    doc.writeBytes(systemBytes);
                }
                doc.writeBytes("}".getBytes(StandardCharsets.UTF_8));
                Documents.UNOBSERVED.set(true);
                try {
                    InvalidArgumentException e = expectThrown(InvalidArgumentException.class, () -> client.validateDocument(doc.toByteArray()), c);
                    assertTrue(e.getMessage().contains("validate"), e.getMessage());
                } finally {
                    Documents.UNOBSERVED.set(false);
                }
                // And the client still works.
                assertEquals("kunde-42", client.validate(StandardRequest.builder(SYS, ORG).externalRef("kunde-42").right(Right.forResource("x")).build()).externalRef());
            });
        });
    }

    /** The body as a {@link StandardRequest} / {@link AgentRequest} when its members fit the records; else null. */
    static Object typed(String kind, Map<String, Object> body) {
        Set<String> allowed = kind.equals("standard")
                ? Set.of("systemId", "partyOrgNo", "externalRef", "integrationTitle", "rights", "accessPackages", "redirectUrl")
                : Set.of("systemId", "partyOrgNo", "externalRef", "integrationTitle", "accessPackages", "redirectUrl");
        if (!allowed.containsAll(body.keySet())) return null; // e.g. rights on an agent request: AgentRequest has no rights
        for (String k : List.of("systemId", "partyOrgNo", "externalRef", "integrationTitle", "redirectUrl")) {
            if (body.containsKey(k) && !(body.get(k) instanceof String)) return null; // e.g. a number as partyOrgNo
        }
        if (!(body.get("systemId") instanceof String) || !(body.get("partyOrgNo") instanceof String)) return null;
        try {
            List<Right> rights = body.containsKey("rights") ? Convert.rightsOf(body, "rights") : null;
            List<AccessPackage> packages = body.containsKey("accessPackages") ? Convert.packagesOf(body, "accessPackages") : null;
            if (kind.equals("standard")) {
                return new StandardRequest((String) body.get("systemId"), (String) body.get("partyOrgNo"), (String) body.get("externalRef"),
                        (String) body.get("integrationTitle"), rights, packages, (String) body.get("redirectUrl"));
            }
            return new AgentRequest((String) body.get("systemId"), (String) body.get("partyOrgNo"), (String) body.get("externalRef"),
                    (String) body.get("integrationTitle"), packages, (String) body.get("redirectUrl"));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A registered system in Altinn's shape (tests/vectors/systems.json) as the record. */
    static RegisteredSystem registeredSystem(Map<String, Object> s) {
        Map<String, Object> vendor = Json.optObject(s, "vendor");
        String vendorId = vendor == null ? null : Json.optString(vendor, "ID");
        Function<String, LocalizedText> text = k -> {
            Map<String, Object> t = Json.optObject(s, k);
            return t == null ? new LocalizedText(null, null, null) : new LocalizedText(Json.optString(t, "nb"), Json.optString(t, "nn"), Json.optString(t, "en"));
        };
        return new RegisteredSystem(Json.string(s, "id"), vendorId == null ? "" : vendorId.replaceFirst("^0192:", ""), text.apply("name"), text.apply("description"),
                Convert.rightsOf(s, "rights"), Convert.packagesOf(s, "accessPackages"), Json.strings(s, "clientId"), Json.bool(s, "isVisible", true),
                Json.strings(s, "allowedRedirectUrls"), Json.bool(s, "isDeleted", false));
    }

    // ---- response: through the pump, the catalogue's answer in place of HTTP ----------------------

    @TestFactory
    Stream<DynamicTest> responseCasesThroughThePump() {
        return cases("response").map(c -> test(c, "pump (the named call, canned answer)", () -> {
            String call = Json.string(c, "call");
            Map<String, Object> def = Json.object(CALLS, call);
            Map<String, Object> answer = Json.obj("status", c.get("status"), "headers", headers(c), "body",
                    Base64.getEncoder().encodeToString(generate(c.get("body"))));
            Environment env = "custom".equals(c.get("env"))
                    ? Environment.custom("http://127.0.0.1:5101", "http://127.0.0.1:5102", "http://127.0.0.1:5103/") : Environment.TT02;
            Map<String, Object> expect = Json.object(c, "expect");
            try (SystemUserClient pumpClient = SystemUserClient.builder().environment(env).tokenSupplier(s -> "test-token").retryBudget(0)
                    .backoff(Duration.ZERO).build()) {
                List<String> sent = new ArrayList<>();
                Pump.Transport canned = request -> {
                    String url = Json.string(request, "url");
                    String method = Json.string(request, "method");
                    sent.add(method + " " + url);
                    // A create first reads the registered system (its pre-flight), and a change of a
                    // system reads the stored one: answered with a system that allows exactly what the
                    // call asks, so that the case's answer meets the create or the change.
                    if (method.equals("GET") && STORED_SYSTEM.matcher(url).find() && !call.equals("system")) return response(200, registeredSystemFor(def));
                    // A delegation task exchanges the bureau's token first: a canned Altinn JWT.
                    if (url.endsWith("/authentication/api/v1/exchange/maskinporten")) {
                        return Json.obj("input", "response", "response", Json.obj("status", 200L, "headers", List.of(List.of("content-type", "text/plain; charset=utf-8")),
                                "body", Base64.getEncoder().encodeToString(EXCHANGED.getBytes(StandardCharsets.UTF_8))));
                    }
                    return Json.obj("input", "response", "response", answer);
                };
                Pump pump = new Pump(NativeLib.get(), canned, null, s -> "test-token");
                Map<String, Object> outcome = null;
                SystemUserException error = null;
                try {
                    outcome = pump.run(pumpClient.newOperation(Json.writeBytes(task(call, def))));
                } catch (SystemUserException e) {
                    error = e;
                }
                assertFalse(sent.isEmpty(), "the answer was asked for");
                if (DELEGATION_CALLS.contains(call)) {
                    assertTrue(sent.get(0).startsWith("GET ") && sent.get(0).endsWith("/exchange/maskinporten"), "the exchange first: " + sent);
                    assertEquals(2, sent.size(), "the exchange, then the call: " + sent);
                }
                if (expect.containsKey("ok")) {
                    assertEquals(null, error, "expected " + expect);
                    assertEquals(expect.get("ok"), outcome.get("outcome"));
                    if (expect.containsKey("next")) assertEquals(expect.get("next"), outcome.get("nextPage"));
                } else {
                    if (error == null) fail("expected " + expect + ", got the outcome " + outcome.get("outcome"));
                    assertFalse(error instanceof LibraryException, "a library error: " + error);
                    assertEquals(expect.get("error"), error.kind().wireName(), error.toString());
                    if (expect.containsKey("message_contains")) assertTrue(error.getMessage().contains((String) expect.get("message_contains")), error.getMessage());
                }
            }
        }));
    }

    static List<Object> headers(Map<String, Object> c) {
        List<Object> out = new ArrayList<>();
        Map<String, Object> h = Json.optObject(c, "headers");
        if (h != null) h.forEach((k, v) -> out.add(List.of(k, v)));
        return out;
    }

    static Map<String, Object> response(long status, Map<String, Object> body) {
        return Json.obj("input", "response", "response", Json.obj("status", status, "headers", List.of(List.of("content-type", "application/json; charset=utf-8")),
                "body", Base64.getEncoder().encodeToString(Json.writeBytes(body))));
    }

    /** GET systemregister/vendor/{id}: the registered system read (not the listing, not the changelog). */
    static final java.util.regex.Pattern STORED_SYSTEM = java.util.regex.Pattern.compile("/systemregister/vendor/[^/?]+$");

    /** A registered system (Altinn's shape) for the call's system, allowing what the call asks for. */
    static Map<String, Object> registeredSystemFor(Map<String, Object> def) {
        Map<String, Object> system = Json.optObject(def, "system");
        if (system != null) {
            // A replace: the stored system is the one the call sends, so the merge changes nothing.
            Map<String, Object> stored = new LinkedHashMap<>(system);
            stored.put("isDeleted", false);
            return stored;
        }
        String systemId = Json.string(def, "systemId");
        return Json.obj("id", systemId, "vendor", Json.obj("ID", "0192:" + systemId.substring(0, 9)), "name", Json.obj("nb", "SmartRegnskap"),
                "rights", def.getOrDefault("rights", List.of()), "accessPackages", def.getOrDefault("accessPackages", List.of()), "clientId", List.of(),
                "isVisible", true, "allowedRedirectUrls", List.of(), "isDeleted", false);
    }

    /** A named call of tests/calls.json as a task document (get-change → get-change-request {id}, …). */
    static Map<String, Object> task(String name, Map<String, Object> def) {
        if (PROTOCOL_ONLY.contains(name)) throw new IllegalArgumentException(name + " is a protocol call, not a task");
        Map<String, Object> t = new LinkedHashMap<>(def);
        String call = (String) t.remove("call");
        Map<String, Object> doc = Json.obj("v", 1L);
        Map<String, Object> bureau = Json.obj("orgNo", ORG);
        switch (call) {
            case "create-standard-request", "create-agent-request" -> {
                doc.put("task", call);
                doc.put("request", t);
            }
            // The replace of a system: the task that sends it is a change of every member.
            case "replace-system" -> {
                Map<String, Object> update = new LinkedHashMap<>(Json.object(t, "system"));
                update.remove("vendor");
                update.remove("isDeleted");
                doc.put("task", "update-system");
                doc.put("update", update);
            }
            case "list-agents" -> {
                doc.put("task", call);
                doc.put("bureau", Json.obj("orgNo", t.get("partyOrgNo")));
            }
            case "list-available-clients", "list-clients", "add-client", "remove-client" -> {
                doc.put("task", call);
                doc.put("bureau", bureau);
                doc.putAll(t);
            }
            default -> {
                doc.put("task", call);
                doc.putAll(t);
            }
        }
        return doc;
    }

    // ---- token: through the client ----------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> tokenCasesThroughTheClient() {
        return cases("token").map(c -> test(c, "client (a TokenSupplier)", () -> {
            String token = text(c.get("token"));
            try (SystemUserClient hostile = SystemUserClient.builder().environment(sim.environment()).tokenSupplier(s -> token).build()) {
                long before = sim.apiCalls();
                TokenException e = expectThrown(TokenException.class, () -> run(hostile, Json.string(c, "task")), c);
                assertEquals(before, sim.apiCalls(), "nothing was sent with the hostile token");
                assertFalse(token.length() > 3 && e.getMessage().contains(token), "the token shows in the message");
            }
        }));
    }

    /** A task of the catalogue through the client's own method. */
    static Object run(SystemUserClient c, String task) {
        return switch (task) {
            case "get" -> c.getRequest(RID);
            case "get-agent" -> c.getRequest(RID, RequestKind.AGENT);
            case "by-external-ref" -> c.getRequestByExternalRef(SYS, ORG, REF);
            case "list" -> c.listRequests(SYS);
            case "list-all" -> c.listAllRequests(SYS).toList();
            case "withdraw" -> {
                c.withdrawRequest(RID);
                yield null;
            }
            case "verify" -> c.verifySystemUser(SYS, ORG, REF);
            case "list-users" -> c.listSystemUsers(SYS, null);
            case "list-all-users" -> c.listAllSystemUsers(SYS).toList();
            case "system" -> c.getRegisteredSystem(SYS);
            case "create", "create-standard" -> c.createStandardRequest(StandardRequest.builder(SYS, ORG).externalRef(REF)
                    .right(Right.forResource("ske-krav-og-betalinger")).build());
            case "create-agent" -> c.createAgentRequest(AgentRequest.builder(SYS, ORG).externalRef(REF)
                    .accessPackage(AccessPackage.named("regnskapsforer-lonn")).build());
            default -> throw new IllegalArgumentException("unknown task " + task);
        };
    }

    // ---- server: through the client against the simulator's hostile faults -------------------------

    @TestFactory
    Stream<DynamicTest> serverCasesThroughTheClientOverRealHttp() {
        return cases("server").map(c -> test(c, "client (simulator faults, real HTTP)", () -> {
            Map<String, Object> expect = Json.object(c, "expect");
            Map<String, Object> config = Json.object(c, "config");
            try (Sim own = Sim.start()) {
                for (Object step : Json.list(c, "setup")) {
                    assertEquals("create", step, "a setup step this test knows");
                    try (SystemUserClient setup = own.tokenClient()) {
                        run(setup, "create");
                    }
                }
                Object faults = c.get("fault");
                for (Object f : faults instanceof List ? (List<?>) faults : List.of(faults)) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> spec = (Map<String, Object>) f;
                    own.fault(spec);
                }
                int mintedBefore = own.minted.size();
                try (SystemUserClient cl = SystemUserClient.builder().environment(own.environment()).tokenSupplier(own.tokens())
                        .timeout(Duration.ofMillis(Json.optLong(config, "timeoutMs"))).deadline(Duration.ofMillis(Json.optLong(config, "deadlineMs")))
                        .retryBudget(Math.toIntExact(Json.optLong(config, "retryBudget"))).backoff(Duration.ofMillis(Json.optLong(config, "backoffMs"))).build()) {
                    long t0 = System.nanoTime();
                    Object value = null;
                    SystemUserException error = null;
                    try {
                        value = run(cl, Json.string(c, "task"));
                    } catch (SystemUserException e) {
                        error = e;
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    System.out.printf("server case %s: %.2f s, %s%n", Json.write(c.get("name")), seconds, error != null ? error : "ok " + expect.get("ok"));
                    if (expect.containsKey("ok")) {
                        assertEquals(null, error, "expected " + expect);
                        if ("requests".equals(expect.get("ok"))) assertInstanceOf(List.class, value);
                    } else {
                        if (error == null) fail("expected " + expect + ", got a result");
                        assertFalse(error instanceof LibraryException, error.toString());
                        assertEquals(expect.get("error"), error.kind().wireName(), error.toString());
                        if (expect.containsKey("transport")) assertEquals(expect.get("transport"), ((TransportException) error).transportKind().wireName());
                        if (expect.containsKey("retry_after_seconds")) {
                            assertEquals(((Number) expect.get("retry_after_seconds")).longValue(), ((UnavailableException) error).retryAfterSeconds().orElse(-1));
                        }
                        if (expect.containsKey("message_contains")) assertTrue(error.getMessage().contains((String) expect.get("message_contains")), error.getMessage());
                    }
                    double max = ((Number) c.get("max_seconds")).doubleValue();
                    assertTrue(seconds <= max, String.format("took %.2f s, more than %s s", seconds, max));
                    if (c.containsKey("min_seconds")) {
                        double min = ((Number) c.get("min_seconds")).doubleValue();
                        assertTrue(seconds >= min, String.format("took %.2f s, less than the %s s asked for", seconds, min));
                    }
                    if (Boolean.TRUE.equals(c.get("no_secret"))) {
                        List<String> tokens = own.minted.subList(mintedBefore, own.minted.size());
                        assertFalse(tokens.isEmpty(), "a token was in play");
                        NoSecretsTest.assertNoSecret(error, tokens);
                        assertTrue(Json.write(error.details()).contains("[redacted]"), "the echoed token was replaced");
                    }
                }
            }
        }));
    }

    static <T extends Throwable> T expectThrown(Class<T> type, Runnable call, Map<String, Object> c) {
        try {
            call.run();
        } catch (Throwable t) {
            if (type.isInstance(t)) return type.cast(t);
            StringWriter w = new StringWriter();
            t.printStackTrace(new PrintWriter(w));
            fail("expected " + type.getSimpleName() + " (" + Json.write(c.get("expect")) + "), got " + t + "\n" + w.toString().lines().limit(6).reduce("", (a, b) -> a + "\n" + b));
        }
        fail("expected " + type.getSimpleName() + " (" + Json.write(c.get("expect")) + "), but the call succeeded");
        return null;
    }
}
