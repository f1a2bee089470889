package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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

/**
 * A trap inside the component (the test-trap build, {@code cargo run -p xtask -- component
 * --test-trap}, panics on the input "test-trap") is a {@link ComponentException}, sends nothing,
 * and the next calls on the same client work (the library drops the trapped session).
 */
@ExtendWith(SchemaCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TrapRecoveryTest {
    static Sim sim;
    static ComponentRuntime runtime;
    static SystemUserClient client;

    @BeforeAll
    static void start() {
        sim = Sim.start();
        runtime = ComponentRuntime.builder().component(Repo.TRAP_WASM).noCache().build();
        client = SystemUserClient.builder().environment(sim.environment()).tokenSupplier(sim.tokens()).runtime(runtime).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (runtime != null) runtime.close();
        if (sim != null) sim.close();
    }

    static StandardRequest request(String ref) {
        return StandardRequest.builder(Repo.SYSTEM, "310816191").externalRef(ref).right(Right.forResource("ske-krav-og-betalinger")).build();
    }

    static long creates() {
        return sim.calls().stream().filter(c -> "create_request".equals(c.get("route"))).count();
    }

    @Test
    void aTrapIsAComponentExceptionThenTheSameClientWorks() {
        long before = creates();
        ComponentException e = assertThrows(ComponentException.class, () -> client.createStandardRequest(request("test-trap")));
        assertEquals(ErrorKind.COMPONENT, e.kind());
        assertInstanceOf(LibraryException.class, e);
        assertEquals(before, creates(), "nothing was posted for the trapped operation");

        // Again and again: each trap costs a session, never the client.
        for (int i = 0; i < 3; i++) assertThrows(ComponentException.class, () -> client.createStandardRequest(request("test-trap")));

        CreatedRequest created = client.createStandardRequest(request("after-the-trap"));
        assertTrue(created.isNew());
        assertEquals(created.request().id(), client.getRequest(created.request().id()).id());
        assertTrue(client.listAllRequests(Repo.SYSTEM).anyMatch(r -> r.id().equals(created.request().id())));
        assertEquals(before + 1, creates());
    }

    @Test
    void afterATrapValidationWorksOnTheSameClient() {
        // Through the C ABI the test-trap build traps as a create operation starts (its
        // check-org-no trap has no C function); validation uses a session of the same pool.
        assertThrows(ComponentException.class, () -> client.createStandardRequest(request("test-trap")));
        assertEquals("after-trap", client.validate(request(" after-trap ")).externalRef());
    }

    @Test
    void theShippedComponentDoesNotTrapOnTheSameInput() {
        try (SystemUserClient shipped = SystemUserClient.builder().environment(sim.environment()).tokenSupplier(sim.tokens()).build()) {
            CreatedRequest created = shipped.createStandardRequest(request("test-trap"));
            assertEquals("test-trap", created.request().externalRef());
            List<Map<String, Object>> calls = sim.calls();
            assertTrue(calls.stream().anyMatch(c -> "create_request".equals(c.get("route"))));
        }
    }
}
