package no.altinn.systemuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The package's public names against tests/vocabulary.json, the one vocabulary every host follows
 * (the root README's table is written from it): each operation a public method of the client
 * (and its Async twin), each error kind a public exception under the one base, and the statuses'
 * wire names as Altinn spells them.
 */
class VocabularyTest {
    static final Map<String, Object> VOCABULARY = Repo.json("tests/vocabulary.json");

    @SuppressWarnings("unchecked")
    static List<String[]> named(String table) {
        List<String[]> out = new ArrayList<>();
        for (Object row : (List<Object>) VOCABULARY.get(table)) {
            Map<String, Object> r = (Map<String, Object>) row;
            if (r.get("java") instanceof String) out.add(new String[] {(String) r.get("concept"), (String) r.get("java")});
        }
        return out;
    }

    @Test
    void everyOperationIsAPublicMethodOfTheClientWithItsAsyncTwin() {
        List<String[]> ops = named("operations");
        assertTrue(ops.size() >= 20, ops.size() + " operations");
        List<String> methods = Arrays.stream(SystemUserClient.class.getMethods()).map(Method::getName).toList();
        List<String> missing = new ArrayList<>();
        for (String[] op : ops) {
            if (!methods.contains(op[1])) missing.add(op[0] + ": " + op[1]);
            if (!methods.contains(op[1] + "Async")) missing.add(op[0] + ": " + op[1] + "Async");
        }
        assertEquals(List.of(), missing, "named in tests/vocabulary.json, not a public method of SystemUserClient");
    }

    @Test
    void everyErrorKindIsAPublicExceptionUnderTheOneBase() throws ClassNotFoundException {
        List<String[]> errors = named("errors");
        Class<?> base = Class.forName("no.altinn.systemuser." + errors.get(0)[1]);
        assertEquals(SystemUserException.class, base);
        for (String[] e : errors.subList(1, errors.size())) {
            Class<?> c = Class.forName("no.altinn.systemuser." + e[1]);
            assertTrue(base.isAssignableFrom(c) && java.lang.reflect.Modifier.isPublic(c.getModifiers()), e[0] + ": " + e[1]);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void statusesAreSpelledAsAltinnSpellsThem() {
        List<Object> request = (List<Object>) ((Map<String, Object>) VOCABULARY.get("statuses")).get("request");
        List<String> wire = Arrays.stream(RequestStatus.values()).filter(s -> s != RequestStatus.UNKNOWN).map(RequestStatus::wireName).toList();
        assertEquals(request, wire);
        for (Object s : request) assertEquals(s, RequestStatus.fromWireName((String) s).wireName());
    }
}
