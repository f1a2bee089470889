package no.altinn.systemuser;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON the binding exchanges with libsystemuser: parsed into {@code Map<String, Object>}
 * (member order kept), {@code List<Object>}, {@code String}, {@code Long} or {@code BigDecimal},
 * {@code Boolean} and {@code null}; written back from the same. Strict (RFC 8259: no comments,
 * no trailing commas, no lone surrogates from the wire, nesting at most {@value #MAX_DEPTH}),
 * small, package-private.
 */
final class Json {
    /** Deeper documents are refused (the library's own never nest beyond a dozen levels). */
    static final int MAX_DEPTH = 256;

    private Json() {}

    /** Parses UTF-8 bytes (refusing invalid UTF-8). */
    static Object parse(byte[] utf8) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not UTF-8");
        }
        return parse(text);
    }

    static Object parse(String text) {
        Parser p = new Parser(text);
        p.skipWs();
        Object v = p.value(0);
        p.skipWs();
        if (p.i != text.length()) throw p.fail("trailing characters");
        return v;
    }

    /** Parses a document that must be an object. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> parseObject(byte[] utf8) {
        Object v = parse(utf8);
        if (!(v instanceof Map)) throw new IllegalArgumentException("not a JSON object");
        return (Map<String, Object>) v;
    }

    static String write(Object value) {
        StringBuilder sb = new StringBuilder(64);
        write(sb, value);
        return sb.toString();
    }

    static byte[] writeBytes(Object value) {
        return write(value).getBytes(StandardCharsets.UTF_8);
    }

    /** An ordered map from alternating keys and values; {@code null} values are left out. */
    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static void write(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String) {
            string(sb, (String) v);
        } else if (v instanceof Boolean) {
            sb.append(((Boolean) v).booleanValue() ? "true" : "false");
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            sb.append(((Number) v).longValue());
        } else if (v instanceof BigDecimal) {
            sb.append(((BigDecimal) v).toString());
        } else if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) throw new IllegalArgumentException("not a JSON number: " + d);
            sb.append(BigDecimal.valueOf(d).toString());
        } else if (v instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : ((Map<String, Object>) v).entrySet()) {
                if (!first) sb.append(',');
                first = false;
                string(sb, e.getKey());
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof Iterable) {
            sb.append('[');
            boolean first = true;
            for (Object o : (Iterable<Object>) v) {
                if (!first) sb.append(',');
                first = false;
                write(sb, o);
            }
            sb.append(']');
        } else {
            throw new IllegalArgumentException("cannot write a " + v.getClass().getName() + " as JSON");
        }
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (c < 0x20 || c == 0x7f || Character.isSurrogate(c)) {
                        // A lone surrogate cannot be UTF-8: written escaped, the library refuses it
                        // (invalid-argument) instead of this binding silently changing the text.
                        sb.append("\\u").append(HEX[c >> 12 & 15]).append(HEX[c >> 8 & 15]).append(HEX[c >> 4 & 15]).append(HEX[c & 15]);
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    private static final class Parser {
        final String s;
        int i;

        Parser(String s) {
            this.s = s;
        }

        IllegalArgumentException fail(String what) {
            return new IllegalArgumentException("invalid JSON at offset " + i + ": " + what);
        }

        void skipWs() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') i++;
                else break;
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) throw fail("nested too deeply");
            if (i >= s.length()) throw fail("unexpected end");
            char c = s.charAt(i);
            switch (c) {
                case '{': return object(depth);
                case '[': return array(depth);
                case '"': return string();
                case 't': return literal("true", Boolean.TRUE);
                case 'f': return literal("false", Boolean.FALSE);
                case 'n': return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return number();
                    throw fail("unexpected character");
            }
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, i)) throw fail("unexpected literal");
            i += word.length();
            return v;
        }

        Map<String, Object> object(int depth) {
            i++;
            Map<String, Object> m = new LinkedHashMap<>();
            skipWs();
            if (i < s.length() && s.charAt(i) == '}') {
                i++;
                return m;
            }
            while (true) {
                skipWs();
                if (i >= s.length() || s.charAt(i) != '"') throw fail("expected a member name");
                String k = string();
                skipWs();
                if (i >= s.length() || s.charAt(i) != ':') throw fail("expected ':'");
                i++;
                skipWs();
                if (m.containsKey(k)) throw fail("duplicate member " + k);
                m.put(k, value(depth + 1));
                skipWs();
                if (i >= s.length()) throw fail("unexpected end");
                char c = s.charAt(i++);
                if (c == '}') return m;
                if (c != ',') throw fail("expected ',' or '}'");
            }
        }

        List<Object> array(int depth) {
            i++;
            List<Object> l = new ArrayList<>();
            skipWs();
            if (i < s.length() && s.charAt(i) == ']') {
                i++;
                return l;
            }
            while (true) {
                skipWs();
                l.add(value(depth + 1));
                skipWs();
                if (i >= s.length()) throw fail("unexpected end");
                char c = s.charAt(i++);
                if (c == ']') return l;
                if (c != ',') throw fail("expected ',' or ']'");
            }
        }

        String string() {
            i++;
            StringBuilder sb = null;
            int start = i;
            while (true) {
                if (i >= s.length()) throw fail("unterminated string");
                char c = s.charAt(i);
                if (c == '"') {
                    String out = sb == null ? s.substring(start, i) : sb.append(s, start, i).toString();
                    i++;
                    return out;
                }
                if (c < 0x20) throw fail("control character in a string");
                if (c == '\\') {
                    if (sb == null) sb = new StringBuilder();
                    sb.append(s, start, i);
                    i++;
                    if (i >= s.length()) throw fail("unterminated escape");
                    char e = s.charAt(i++);
                    switch (e) {
                        case '"': sb.append('"'); break;
                        case '\\': sb.append('\\'); break;
                        case '/': sb.append('/'); break;
                        case 'b': sb.append('\b'); break;
                        case 'f': sb.append('\f'); break;
                        case 'n': sb.append('\n'); break;
                        case 'r': sb.append('\r'); break;
                        case 't': sb.append('\t'); break;
                        case 'u':
                            if (i + 4 > s.length()) throw fail("short \\u escape");
                            try {
                                sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            } catch (NumberFormatException ex) {
                                throw fail("bad \\u escape");
                            }
                            i += 4;
                            break;
                        default: throw fail("bad escape");
                    }
                    start = i;
                } else {
                    i++;
                }
            }
        }

        Object number() {
            int start = i;
            if (s.charAt(i) == '-') i++;
            if (i >= s.length()) throw fail("bad number");
            if (s.charAt(i) == '0') {
                i++;
            } else if (s.charAt(i) >= '1' && s.charAt(i) <= '9') {
                while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) i++;
            } else {
                throw fail("bad number");
            }
            boolean integral = true;
            if (i < s.length() && s.charAt(i) == '.') {
                integral = false;
                i++;
                int d = i;
                while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
                if (i == d) throw fail("bad fraction");
            }
            if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                integral = false;
                i++;
                if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
                int d = i;
                while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
                if (i == d) throw fail("bad exponent");
            }
            String t = s.substring(start, i);
            if (integral) {
                try {
                    return Long.parseLong(t);
                } catch (NumberFormatException e) {
                    return new BigDecimal(t);
                }
            }
            return new BigDecimal(t);
        }
    }

    // ---- typed access to parsed documents (an answer of the wrong shape is the library's bug) ----

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v instanceof Map) return (Map<String, Object>) v;
        throw shape(key, "an object");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> optObject(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) return null;
        if (v instanceof Map) return (Map<String, Object>) v;
        throw shape(key, "an object");
    }

    static String string(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v instanceof String) return (String) v;
        throw shape(key, "a string");
    }

    static String optString(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) return null;
        if (v instanceof String) return (String) v;
        throw shape(key, "a string");
    }

    static boolean bool(Map<String, Object> m, String key, boolean dflt) {
        Object v = m.get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean) return (Boolean) v;
        throw shape(key, "a boolean");
    }

    static Long optLong(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) return null;
        if (v instanceof Long) return (Long) v;
        if (v instanceof BigDecimal) {
            try {
                return ((BigDecimal) v).longValueExact();
            } catch (ArithmeticException e) {
                throw shape(key, "an integer");
            }
        }
        throw shape(key, "an integer");
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) return Collections.emptyList();
        if (v instanceof List) return (List<Object>) v;
        throw shape(key, "an array");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> objects(Map<String, Object> m, String key) {
        List<Object> l = list(m, key);
        for (Object o : l) if (!(o instanceof Map)) throw shape(key, "an array of objects");
        return (List<Map<String, Object>>) (List<?>) l;
    }

    static List<String> strings(Map<String, Object> m, String key) {
        List<Object> l = list(m, key);
        List<String> out = new ArrayList<>(l.size());
        for (Object o : l) {
            if (!(o instanceof String)) throw shape(key, "an array of strings");
            out.add((String) o);
        }
        return Collections.unmodifiableList(out);
    }

    private static IllegalStateException shape(String key, String what) {
        return new IllegalStateException("libsystemuser answered a document whose \"" + key + "\" is not " + what);
    }
}
