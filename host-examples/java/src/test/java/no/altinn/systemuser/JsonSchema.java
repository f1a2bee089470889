package no.altinn.systemuser;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A small JSON Schema (2020-12) validator for the subset host-examples/c/schema/systemuser.schema.json
 * uses (Debian has no JSON Schema library for Java): {@code $ref} to {@code #/$defs/…}, {@code type},
 * {@code properties}, {@code required}, {@code additionalProperties}, {@code items},
 * {@code prefixItems}, {@code minItems}, {@code maxItems}, {@code enum}, {@code const},
 * {@code oneOf}, {@code allOf}, {@code if}/{@code then}/{@code else}, {@code pattern},
 * {@code minimum}, {@code maximum}. Any other keyword (other than annotations) fails loudly, so
 * a schema that grows a keyword cannot be half-checked. Errors name the path, never a value.
 */
final class JsonSchema {
    private static final Set<String> ANNOTATIONS = Set.of("$schema", "title", "description", "$defs", "$comment");
    private static final Set<String> KEYWORDS = Set.of("$ref", "type", "properties", "required", "additionalProperties", "items", "prefixItems",
            "minItems", "maxItems", "enum", "const", "oneOf", "allOf", "if", "then", "else", "pattern", "minimum", "maximum");

    private final Map<String, Object> root;
    private final Map<String, Pattern> patterns = new ConcurrentHashMap<>();

    JsonSchema(Map<String, Object> root) {
        this.root = root;
    }

    static JsonSchema load(Path file) throws java.io.IOException {
        return new JsonSchema(Json.parseObject(Files.readAllBytes(file)));
    }

    /** The errors of {@code doc} against {@code #/$defs/<def>}; empty when valid. */
    List<String> errors(String def, Object doc) {
        List<String> out = new ArrayList<>();
        check(resolve("#/$defs/" + def), doc, "$", out);
        return out;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> resolve(String ref) {
        if (!ref.startsWith("#/$defs/")) throw new IllegalArgumentException("unsupported $ref " + ref);
        Object def = ((Map<String, Object>) root.get("$defs")).get(ref.substring("#/$defs/".length()));
        if (!(def instanceof Map)) throw new IllegalArgumentException("the schema has no " + ref);
        return (Map<String, Object>) def;
    }

    @SuppressWarnings("unchecked")
    private void check(Object schemaNode, Object v, String path, List<String> out) {
        if (schemaNode instanceof Boolean) {
            if (!(Boolean) schemaNode) out.add(path + ": not allowed here");
            return;
        }
        Map<String, Object> s = (Map<String, Object>) schemaNode;
        for (String k : s.keySet()) {
            if (!KEYWORDS.contains(k) && !ANNOTATIONS.contains(k)) throw new IllegalArgumentException("unsupported JSON Schema keyword " + k + " at " + path);
        }
        if (s.containsKey("$ref")) check(resolve((String) s.get("$ref")), v, path, out);
        if (s.containsKey("type")) {
            Object t = s.get("type");
            List<Object> types = t instanceof List ? (List<Object>) t : List.of(t);
            boolean ok = false;
            for (Object type : types) ok |= isType((String) type, v);
            if (!ok) {
                out.add(path + ": expected " + types + ", found " + typeOf(v));
                return;
            }
        }
        if (s.containsKey("const") && !jsonEquals(s.get("const"), v)) out.add(path + ": not the constant " + Json.write(s.get("const")));
        if (s.containsKey("enum")) {
            boolean found = false;
            for (Object e : (List<Object>) s.get("enum")) found |= jsonEquals(e, v);
            if (!found) out.add(path + ": not one of " + Json.write(s.get("enum")));
        }
        if (v instanceof String && s.containsKey("pattern")) {
            Pattern p = patterns.computeIfAbsent((String) s.get("pattern"), Pattern::compile);
            if (!p.matcher((String) v).find()) out.add(path + ": does not match the pattern " + s.get("pattern"));
        }
        if (isNumber(v)) {
            BigDecimal n = decimal(v);
            if (s.containsKey("minimum") && n.compareTo(decimal(s.get("minimum"))) < 0) out.add(path + ": below the minimum " + s.get("minimum"));
            if (s.containsKey("maximum") && n.compareTo(decimal(s.get("maximum"))) > 0) out.add(path + ": above the maximum " + s.get("maximum"));
        }
        if (v instanceof Map) {
            Map<String, Object> m = (Map<String, Object>) v;
            Map<String, Object> props = (Map<String, Object>) s.getOrDefault("properties", Map.of());
            for (Object r : (List<Object>) s.getOrDefault("required", List.of())) {
                if (!m.containsKey(r)) out.add(path + ": lacks the member " + r);
            }
            for (Map.Entry<String, Object> e : m.entrySet()) {
                String p = path + "." + e.getKey();
                if (props.containsKey(e.getKey())) {
                    check(props.get(e.getKey()), e.getValue(), p, out);
                } else if (s.containsKey("additionalProperties")) {
                    Object ap = s.get("additionalProperties");
                    if (Boolean.FALSE.equals(ap)) out.add(path + ": an unknown member " + e.getKey());
                    else check(ap, e.getValue(), p, out);
                }
            }
        }
        if (v instanceof List) {
            List<Object> l = (List<Object>) v;
            List<Object> prefix = (List<Object>) s.getOrDefault("prefixItems", List.of());
            for (int i = 0; i < l.size(); i++) {
                if (i < prefix.size()) check(prefix.get(i), l.get(i), path + "[" + i + "]", out);
                else if (s.containsKey("items")) check(s.get("items"), l.get(i), path + "[" + i + "]", out);
            }
            if (s.containsKey("minItems") && l.size() < ((Number) s.get("minItems")).longValue()) out.add(path + ": fewer items than " + s.get("minItems"));
            if (s.containsKey("maxItems") && l.size() > ((Number) s.get("maxItems")).longValue()) out.add(path + ": more items than " + s.get("maxItems"));
        }
        if (s.containsKey("allOf")) {
            for (Object sub : (List<Object>) s.get("allOf")) check(sub, v, path, out);
        }
        if (s.containsKey("oneOf")) {
            int matched = 0;
            List<String> firstErrors = null;
            for (Object sub : (List<Object>) s.get("oneOf")) {
                List<String> e = new ArrayList<>();
                check(sub, v, path, e);
                if (e.isEmpty()) matched++;
                else if (firstErrors == null || e.size() < firstErrors.size()) firstErrors = e;
            }
            if (matched != 1) {
                out.add(path + ": matches " + matched + " of the oneOf alternatives, not exactly one"
                        + (matched == 0 && firstErrors != null ? " (nearest: " + String.join("; ", firstErrors) + ")" : ""));
            }
        }
        if (s.containsKey("if")) {
            List<String> e = new ArrayList<>();
            check(s.get("if"), v, path, e);
            if (e.isEmpty() && s.containsKey("then")) check(s.get("then"), v, path, out);
            if (!e.isEmpty() && s.containsKey("else")) check(s.get("else"), v, path, out);
        }
    }

    private static boolean isType(String type, Object v) {
        switch (type) {
            case "object": return v instanceof Map;
            case "array": return v instanceof List;
            case "string": return v instanceof String;
            case "boolean": return v instanceof Boolean;
            case "null": return v == null;
            case "number": return isNumber(v);
            case "integer": return v instanceof Long || (v instanceof BigDecimal && ((BigDecimal) v).stripTrailingZeros().scale() <= 0);
            default: throw new IllegalArgumentException("unknown type " + type);
        }
    }

    private static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof BigDecimal || v instanceof Integer;
    }

    private static BigDecimal decimal(Object v) {
        return v instanceof BigDecimal ? (BigDecimal) v : BigDecimal.valueOf(((Number) v).longValue());
    }

    private static String typeOf(Object v) {
        if (v == null) return "null";
        if (v instanceof Map) return "object";
        if (v instanceof List) return "array";
        if (v instanceof String) return "string";
        if (v instanceof Boolean) return "boolean";
        return "number";
    }

    @SuppressWarnings("unchecked")
    static boolean jsonEquals(Object a, Object b) {
        if (isNumber(a) && isNumber(b)) return decimal(a).compareTo(decimal(b)) == 0;
        if (a instanceof Map && b instanceof Map) {
            Map<String, Object> x = (Map<String, Object>) a, y = (Map<String, Object>) b;
            if (!x.keySet().equals(y.keySet())) return false;
            for (String k : x.keySet()) if (!jsonEquals(x.get(k), y.get(k))) return false;
            return true;
        }
        if (a instanceof List && b instanceof List) {
            List<Object> x = (List<Object>) a, y = (List<Object>) b;
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!jsonEquals(x.get(i), y.get(i))) return false;
            return true;
        }
        return a == null ? b == null : a.equals(b);
    }
}
