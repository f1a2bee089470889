package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Pointer;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every error kind, each from a real cause: the simulator's answers and faults over real HTTP, a closed port, a broken key, the library itself. */
@ExtendWith(SchemaCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ErrorsTest {
    static final String MISSING_ID = "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f";
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

    @AfterEach
    void clearFaults() {
        sim.clearFaults();
    }

    static StandardRequest standard(String org, String ref) {
        return StandardRequest.builder(Repo.SYSTEM, org).externalRef(ref).right(Right.forResource("ske-krav-og-betalinger")).build();
    }

    SystemUserClient client(Duration timeout, Duration deadline, int retries) {
        return SystemUserClient.builder().environment(sim.environment()).tokenSupplier(sim.tokens()).timeout(timeout).deadline(deadline)
                .retryBudget(retries).backoff(Duration.ofMillis(20)).build();
    }

    @Test
    void validationListsEveryViolationAndSendsNothing() {
        long calls = sim.apiCalls();
        ValidationException e = assertThrows(ValidationException.class,
                () -> client.createStandardRequest(StandardRequest.builder(Repo.SYSTEM, "310816192").externalRef("a/b").build()));
        assertEquals(ErrorKind.VALIDATION, e.kind());
        assertTrue(e.codes().containsAll(List.of("org-no-checksum", "external-ref-charset", "AUTH-00001")), e.codes().toString());
        Violation org = e.violations().stream().filter(v -> v.code().equals("org-no-checksum")).findFirst().orElseThrow();
        assertEquals("partyOrgNo", org.field());
        assertFalse(org.message().isEmpty());
        assertFalse(e.isRetryable());
        assertEquals(calls, sim.apiCalls(), "nothing was sent");
    }

    @Test
    void altinnProblemKeepsCodeStatusTitleAndTraceId() {
        AltinnException e = assertThrows(AltinnException.class, () -> client.createStandardRequest(standard("310000000", "err-unknown-org")));
        assertEquals(ErrorKind.ALTINN, e.kind());
        assertEquals(OptionalInt.of(400), e.status());
        assertEquals("AUTH-00000", e.code().orElseThrow());
        assertTrue(e.title().isPresent() && e.traceId().isPresent(), e.details().toString());
        assertFalse(e.isRetryable());

        // An active system user for the key: AUTH-00004.
        String id = client.createStandardRequest(standard("314941888", "err-active")).request().id();
        sim.approve(id);
        AltinnException active = assertThrows(AltinnException.class, () -> client.createStandardRequest(standard("314941888", "err-active")));
        assertEquals("AUTH-00004", active.code().orElseThrow());
    }

    @Test
    void unauthorizedWithAnExpiredToken() {
        try (SystemUserClient c = SystemUserClient.builder().environment(sim.environment()).tokenSupplier(scopes -> sim.token(scopes, 0)).build()) {
            UnauthorizedException e = assertThrows(UnauthorizedException.class, () -> c.getRequest(MISSING_ID));
            assertEquals(OptionalInt.of(401), e.status());
            assertEquals(ErrorKind.UNAUTHORIZED, e.kind());
        }
    }

    @Test
    void forbiddenWithoutTheScopeAndOnAnotherVendorsSystem() {
        try (SystemUserClient c = SystemUserClient.builder().environment(sim.environment())
                .tokenSupplier(scopes -> sim.token(List.of("altinn:authentication/systemuser.request.read"), 3600)).build()) {
            ForbiddenException e = assertThrows(ForbiddenException.class, () -> c.getRegisteredSystem(Repo.SYSTEM));
            assertEquals(OptionalInt.of(403), e.status());
        }
        ForbiddenException foreign = assertThrows(ForbiddenException.class, () -> client.getRegisteredSystem("313367002_konkurrent"));
        assertEquals(ErrorKind.FORBIDDEN, foreign.kind());
    }

    @Test
    void notFound() {
        NotFoundException e = assertThrows(NotFoundException.class, () -> client.getRequest(MISSING_ID));
        assertEquals(OptionalInt.of(404), e.status());
        assertEquals("AUTH-00010", e.code().orElseThrow());
        assertInstanceOf(ProblemException.class, e);
    }

    @Test
    void conflict() {
        sim.fault("create_request", "conflict");
        ConflictException e = assertThrows(ConflictException.class, () -> client.createStandardRequest(standard("313526011", "err-conflict")));
        assertEquals(OptionalInt.of(409), e.status());
        assertEquals("AUTH-00013", e.code().orElseThrow());
    }

    @Test
    void unavailableAfterTheRetriesWithTheServersRetryAfter() {
        sim.fault("get_request", "status503", "count", 100L, "retryAfterSecs", 1L);
        try (SystemUserClient c = client(Duration.ofSeconds(2), Duration.ofSeconds(6), 1)) {
            long t0 = System.nanoTime();
            UnavailableException e = assertThrows(UnavailableException.class, () -> c.getRequest(MISSING_ID));
            assertEquals(OptionalInt.of(503), e.status());
            assertEquals(OptionalLong.of(1), e.retryAfterSeconds());
            assertTrue(e.isRetryable());
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(900), "the Retry-After was waited out before the retry");
        }
    }

    @Test
    void transportConnectOnAClosedPort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (SystemUserClient c = SystemUserClient.builder().environment(Environment.local("http://127.0.0.1:" + port)).tokenSupplier(s -> "t")
                .retryBudget(1).backoff(Duration.ofMillis(10)).build()) {
            TransportException e = assertThrows(TransportException.class, () -> c.getRequest(MISSING_ID));
            assertEquals(TransportKind.CONNECT, e.transportKind());
            assertTrue(e.isRetryable());
        }
    }

    @Test
    void transportTimeoutWithinTheExchangesTime() {
        sim.fault("get_request", "delay", "delayMs", 3000L);
        try (SystemUserClient c = client(Duration.ofMillis(500), Duration.ofSeconds(2), 0)) {
            long t0 = System.nanoTime();
            TransportException e = assertThrows(TransportException.class, () -> c.getRequest(MISSING_ID));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(TransportKind.TIMEOUT, e.transportKind());
            assertTrue(ms >= 450 && ms < 2500, "gave up after " + ms + " ms");
        }
    }

    @Test
    void transportTooLargeAndConnectionLost() {
        sim.fault("get_request", "huge_body", "sizeBytes", 3_000_000L);
        try (SystemUserClient c = client(Duration.ofSeconds(2), Duration.ofSeconds(4), 0)) {
            assertEquals(TransportKind.TOO_LARGE, assertThrows(TransportException.class, () -> c.getRequest(MISSING_ID)).transportKind());
            sim.clearFaults();
            sim.fault("get_request", "lost_request", "count", 10L);
            assertEquals(TransportKind.CONNECTION_LOST, assertThrows(TransportException.class, () -> c.getRequest(MISSING_ID)).transportKind());
        }
    }

    @Test
    void tokenWhenTheSupplierFailsAndItsSecretStaysOut() {
        String secret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2YXVsdCJ9.c2lnbmF0dXJlLXNlY3JldA";
        try (Sim own = Sim.start(); SystemUserClient c = SystemUserClient.builder().environment(own.environment()).tokenSupplier(s -> {
            throw new IllegalStateException("vault refused: token=" + secret);
        }).build()) {
            TokenException e = assertThrows(TokenException.class, () -> c.getRequest(MISSING_ID));
            assertEquals(ErrorKind.TOKEN, e.kind());
            assertTrue(e.getMessage().contains("IllegalStateException"), e.getMessage());
            for (String text : List.of(e.getMessage(), e.toString(), e.details().toString())) {
                assertFalse(text.contains("eyJhbGciOiJIUzI1NiJ9") || text.contains("c2lnbmF0dXJlLXNlY3JldA"), "the supplier's secret shows: " + text);
            }
            assertEquals(0, own.apiCalls(), "nothing was sent without a token");
        }
    }

    @Test
    void maskinportenRefusalsKeepTheMpCode() throws Exception {
        MaskinportenKey unregistered = MaskinportenKey.fromPemFile(Repo.UNREGISTERED_KEY_PEM, Repo.KID);
        try (SystemUserClient c = SystemUserClient.builder().environment(sim.environment()).maskinporten(Repo.CLIENT_ID, unregistered).build()) {
            MaskinportenException e = assertThrows(MaskinportenException.class, () -> c.getRegisteredSystem(Repo.SYSTEM));
            assertEquals("MP-120", e.code().orElseThrow());
            assertEquals(OptionalInt.of(400), e.status());
            assertEquals(ErrorKind.MASKINPORTEN, e.kind());
        }
        try (SystemUserClient c = SystemUserClient.builder().environment(sim.environment()).maskinporten("no-such-client", Repo.pemKey()).build()) {
            assertEquals("MP-100", assertThrows(MaskinportenException.class, () -> c.getRegisteredSystem(Repo.SYSTEM)).code().orElseThrow());
        }
    }

    @Test
    void invalidResponseWhenTheAnswerIsForAnotherQuestion() {
        String id = client.createStandardRequest(standard("313093808", "err-mismatch")).request().id();
        sim.fault("get_request", "mismatch", "field", "id");
        InvalidResponseException e = assertThrows(InvalidResponseException.class, () -> client.getRequest(id));
        assertEquals(ErrorKind.INVALID_RESPONSE, e.kind());
        assertFalse(e.isRetryable());
        sim.fault("create_request", "mismatch", "field", "systemId");
        InvalidResponseException create = assertThrows(InvalidResponseException.class, () -> client.createStandardRequest(standard("313093808", "err-mismatch-2")));
        assertTrue(create.getMessage().contains("another system"), create.getMessage());
    }

    @Test
    void misuseWhenAnAnswerDoesNotFitTheStepAndTheOperationGoesOn() {
        NativeLib lib = NativeLib.get();
        try (SystemUserClient c = SystemUserClient.builder().environment(sim.environment()).tokenSupplier(s -> "unused").build()) {
            Pointer op = c.newOperation(Json.writeBytes(Json.obj("v", 1L, "task", "get-registered-system", "systemId", Repo.SYSTEM)));
            try {
                Map<String, Object> step = Json.parseObject(lib.operationStart(op));
                assertEquals("token", step.get("step"));
                MisuseException e = assertThrows(MisuseException.class, () -> lib.operationAdvance(op, Pump.document(Json.obj("input", "waited"))));
                assertEquals(ErrorKind.MISUSE, e.kind());
                assertTrue(e.getMessage().contains("token"), e.getMessage());
                // Nothing changed: the right answer still works.
                MisuseException again = assertThrows(MisuseException.class, () -> lib.operationStart(op));
                assertTrue(again.getMessage().contains("already"), again.getMessage());
                Map<String, Object> next = Json.parseObject(lib.operationAdvance(op, Pump.document(Json.obj("input", "token-failed", "message", "none here"))));
                assertEquals("done", next.get("step"));
                assertEquals("token", Json.object(next, "error").get("kind"));
                // After done, the same done step again: the result is never lost.
                assertEquals(Json.write(next), Json.write(Json.parseObject(lib.operationStart(op))));
            } finally {
                lib.operationDelete(op);
            }
        }
    }

    @Test
    void aPanicInsideTheLibraryIsAnExceptionAndTheLibraryGoesOn() {
        SystemUserException e = NativeLib.get().testPanic();
        assertInstanceOf(PanicException.class, e);
        assertEquals(ErrorKind.PANIC, e.kind());
        assertTrue(e.getMessage().contains("panicked"), e.getMessage());
        assertInstanceOf(LibraryException.class, e);
        assertEquals(Repo.SYSTEM, client.getRegisteredSystem(Repo.SYSTEM).id(), "the library works after the panic");
    }

    @Test
    void invalidArgumentForADocumentOfAnotherVersionOrALoneSurrogate() {
        NativeLib lib = NativeLib.get();
        Documents.UNOBSERVED.set(true); // deliberately not a valid document
        try {
            InvalidArgumentException e = assertThrows(InvalidArgumentException.class,
                    () -> client.newOperation(Json.writeBytes(Json.obj("v", 2L, "task", "get-request", "id", MISSING_ID))));
            assertTrue(e.getMessage().contains("\"v\""), e.getMessage());
            assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
            assertThrows(InvalidArgumentException.class, () -> client.newOperation("{\"v\":1,\"task\":\"get-request\",\"idd\":\"x\"}".getBytes()));
            assertThrows(InvalidArgumentException.class, () -> lib.operationNew(Pointer.NULL, Json.writeBytes(Json.obj("v", 1L, "task", "withdraw-request", "id", "x"))));
        } finally {
            Documents.UNOBSERVED.set(false);
        }
        // A Java string that cannot be UTF-8 is refused, not silently changed.
        assertThrows(InvalidArgumentException.class, () -> client.getRequest("\uD800" + MISSING_ID.substring(1)));
    }

    @Test
    void loadErrors() throws Exception {
        LoadException garbage = assertThrows(LoadException.class, () -> ComponentRuntime.builder().component("not a component".getBytes()).noCache().build());
        assertEquals(ErrorKind.LOAD, garbage.kind());
        java.nio.file.Path missing = Repo.ROOT.resolve("target/no-such-component.wasm");
        assertThrows(LoadException.class, () -> ComponentRuntime.builder().component(missing).noCache().build());
        LoadException version = assertThrows(LoadException.class, () -> NativeLib.checkAbiVersion(2, "/x/libsystemuser.so"));
        assertTrue(version.getMessage().contains("ABI version 2") && version.getMessage().contains("ABI version 1"), version.getMessage());
        NativeLib.checkAbiVersion(NativeLib.ABI_VERSION, "here");
    }

    @Test
    void interruptingABlockedCallAbandonsItAndTheClientGoesOn() throws Exception {
        String id = client.createStandardRequest(standard("314456726", "err-interrupt")).request().id();
        sim.fault("get_request", "delay", "delayMs", 5000L);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                client.getRequest(id);
            } catch (Throwable e) {
                thrown.set(e);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        Thread.sleep(300);
        long t0 = System.nanoTime();
        t.interrupt();
        t.join(3000);
        assertFalse(t.isAlive(), "the interrupted call returned");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2));
        assertInstanceOf(CancellationException.class, thrown.get());
        assertEquals(Boolean.TRUE, flag.get(), "the interrupt flag is set again");

        sim.clearFaults();
        sim.fault("get_request", "delay", "delayMs", 5000L);
        CompletableFuture<SystemUserRequest> f = client.getRequestAsync(id, RequestKind.STANDARD);
        Thread.sleep(300);
        assertTrue(f.cancel(true));
        assertTrue(f.isCancelled());
        sim.clearFaults();
        assertEquals(id, client.getRequestAsync(id, RequestKind.STANDARD).get(5, TimeUnit.SECONDS).id(), "the executor goes on");
    }
}
