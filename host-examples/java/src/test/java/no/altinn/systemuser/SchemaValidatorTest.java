package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The test's own JSON Schema validator can fail: it refuses what the schema refuses (a check that cannot fail is a defect). */
class SchemaValidatorTest {
    static final JsonSchema SCHEMA = SchemaCheck.SCHEMA;

    static List<String> errors(String def, String json) {
        return SCHEMA.errors(def, Json.parse(json));
    }

    @Test
    void validDocumentsPass() {
        assertEquals(List.of(), errors("config", "{\"v\":1,\"environment\":\"tt02\",\"timeoutMs\":1000,\"maskinporten\":{\"clientId\":\"c\",\"key\":{\"kid\":\"k\"}}}"));
        assertEquals(List.of(), errors("input", "{\"v\":1,\"input\":\"response\",\"response\":{\"status\":200,\"headers\":[[\"a\",\"b\"]],\"body\":\"e30=\"}}"));
        assertEquals(List.of(), errors("step", "{\"v\":1,\"step\":\"wait\",\"ms\":200}"));
        assertEquals(List.of(), errors("step", "{\"v\":1,\"step\":\"done\",\"error\":{\"kind\":\"transport\",\"message\":\"m\",\"transport\":\"timeout\"}}"));
    }

    @Test
    void everyKeywordCanRefuse() {
        assertFalse(errors("config", "{\"v\":2,\"environment\":\"tt02\"}").isEmpty(), "const");
        assertFalse(errors("config", "{\"v\":1,\"environment\":\"TT02\"}").isEmpty(), "enum in oneOf");
        assertFalse(errors("config", "{\"v\":1}").isEmpty(), "required");
        assertFalse(errors("config", "{\"v\":1,\"environment\":\"tt02\",\"timeoutMS\":1}").isEmpty(), "additionalProperties");
        assertFalse(errors("config", "{\"v\":1,\"environment\":\"tt02\",\"timeoutMs\":-1}").isEmpty(), "minimum");
        assertFalse(errors("config", "{\"v\":1,\"environment\":\"tt02\",\"timeoutMs\":4294967296}").isEmpty(), "maximum");
        assertFalse(errors("config", "{\"v\":1,\"environment\":\"tt02\",\"timeoutMs\":1.5}").isEmpty(), "integer");
        assertFalse(errors("config", "{\"v\":1,\"environment\":\"tt02\",\"maskinporten\":{\"clientId\":\"c\",\"key\":{\"kid\":\"k\",\"x5c\":[]}}}").isEmpty(), "oneOf");
        assertFalse(errors("input", "{\"v\":1,\"input\":\"response\",\"response\":{\"status\":200,\"headers\":[[\"a\"]],\"body\":\"e30=\"}}").isEmpty(), "minItems");
        assertFalse(errors("input", "{\"v\":1,\"input\":\"response\",\"response\":{\"status\":200,\"headers\":[[\"a\",\"b\",\"c\"]],\"body\":\"e30=\"}}").isEmpty(), "items false");
        assertFalse(errors("input", "{\"v\":1,\"input\":\"response\",\"response\":{\"status\":200,\"headers\":[[\"a\",1]],\"body\":\"e30=\"}}").isEmpty(), "prefixItems");
        assertFalse(errors("input", "{\"v\":1,\"input\":\"response\",\"response\":{\"status\":200,\"headers\":[],\"body\":\"e30\"}}").isEmpty(), "pattern");
        assertFalse(errors("step", "{\"v\":1,\"step\":\"done\",\"error\":{\"kind\":\"transport\",\"message\":\"m\"}}").isEmpty(), "if/then");
        assertFalse(errors("validated", "{\"v\":1,\"valid\":true,\"request\":{},\"violations\":[{\"code\":\"c\",\"field\":\"f\",\"message\":\"m\"}]}").isEmpty(), "maxItems");
        assertFalse(errors("validated", "{\"v\":1,\"valid\":false,\"violations\":[]}").isEmpty(), "minItems");
        assertFalse(errors("step", "{\"v\":1,\"step\":\"done\",\"outcome\":{\"outcome\":\"token\",\"token\":{\"accessToken\":\"a\",\"scope\":\"s\",\"expiresAt\":\"2026-03-01 10:15:00\"}}}").isEmpty(), "$ref and pattern");
        assertFalse(errors("task", "{\"v\":1,\"task\":\"get-request\"}").isEmpty(), "oneOf with const");
    }

    @Test
    void anUnknownKeywordFailsLoudly() {
        JsonSchema s = new JsonSchema(Json.obj("$defs", Map.of("x", Map.of("type", "string", "format", "email"))));
        assertThrows(IllegalArgumentException.class, () -> s.errors("x", "a"));
        assertTrue(new JsonSchema(Json.obj("$defs", Map.of("x", Map.of("type", "string")))).errors("x", 1L).size() == 1);
    }
}
