package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Validates every JSON document the binding hands to libsystemuser or gets back from it (config,
 * runtime options, task, step, input, validate, validated) against
 * host-examples/c/schema/systemuser.schema.json, through the binding's document tap. A test class
 * with {@code @ExtendWith(SchemaCheck.class)} fails after its tests when any document did not
 * match, or when none went through at all.
 */
final class SchemaCheck implements BeforeAllCallback, AfterAllCallback {
    static final JsonSchema SCHEMA;
    static final ConcurrentLinkedQueue<String> FAILURES = new ConcurrentLinkedQueue<>();
    static final AtomicLong CHECKED = new AtomicLong();
    static final Map<Documents.Kind, String> DEFS = Map.of(Documents.Kind.RUNTIME_OPTIONS, "runtimeOptions", Documents.Kind.CONFIG, "config",
            Documents.Kind.TASK, "task", Documents.Kind.STEP, "step", Documents.Kind.INPUT, "input", Documents.Kind.VALIDATE, "validate",
            Documents.Kind.VALIDATED, "validated");

    static {
        try {
            SCHEMA = JsonSchema.load(Repo.SCHEMA);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Documents.observer = (kind, doc) -> {
            CHECKED.incrementAndGet();
            List<String> errors;
            try {
                errors = SCHEMA.errors(DEFS.get(kind), Json.parse(doc));
            } catch (RuntimeException e) {
                errors = List.of("not JSON: " + e.getMessage());
            }
            // Paths and schema terms only: a send step's headers hold a bearer token.
            if (!errors.isEmpty()) FAILURES.add(kind + " document: " + errors);
        };
    }

    private long before;

    @Override
    public void beforeAll(ExtensionContext context) {
        FAILURES.clear();
        before = CHECKED.get();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<String> failures = new ArrayList<>(FAILURES);
        FAILURES.clear();
        assertEquals(List.of(), failures, "documents that do not match the schema");
        assertTrue(CHECKED.get() > before, "no document went through the schema check");
    }
}
