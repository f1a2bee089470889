package no.altinn.systemuser;

import com.sun.jna.Pointer;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.regex.Pattern;

/**
 * The pump loop, once: takes an operation handle from start to {@code done}, doing each step with
 * this platform's tools: {@code send} through {@link HttpTransport}, {@code sign} with the
 * {@link MaskinportenKey}, {@code token} from the {@link TokenSupplier}, {@code wait} by sleeping
 * (interruptible). Blocking, on the calling thread; the operation handle never leaves it.
 */
final class Pump {
    private final NativeLib lib;
    private final Transport transport;
    private final MaskinportenKey key;
    private final TokenSupplier tokens;

    Pump(NativeLib lib, Transport transport, MaskinportenKey key, TokenSupplier tokens) {
        this.lib = lib;
        this.transport = transport;
        this.key = key;
        this.tokens = tokens;
    }

    /** Where an operation's time goes, for the benchmark: off unless {@link #timing} is set. */
    static volatile boolean timing;
    static final java.util.concurrent.atomic.LongAdder LIBRARY_NANOS = new java.util.concurrent.atomic.LongAdder();
    static final java.util.concurrent.atomic.LongAdder TRANSPORT_NANOS = new java.util.concurrent.atomic.LongAdder();

    private byte[] advance(Pointer operation, byte[] input) {
        if (!timing) return lib.operationAdvance(operation, input);
        long t0 = System.nanoTime();
        try {
            return lib.operationAdvance(operation, input);
        } finally {
            LIBRARY_NANOS.add(System.nanoTime() - t0);
        }
    }

    private Map<String, Object> send(Map<String, Object> request) throws InterruptedException {
        if (!timing) return transport.send(request);
        long t0 = System.nanoTime();
        try {
            return transport.send(request);
        } finally {
            TRANSPORT_NANOS.add(System.nanoTime() - t0);
        }
    }

    /**
     * Runs an operation to its end and frees it. Returns the {@code outcome}; throws the
     * {@code error} as its exception, a library error as its own, and
     * {@link CancellationException} (with the thread's interrupt flag set again) when interrupted.
     */
    Map<String, Object> run(Pointer operation) {
        try {
            long t0 = timing ? System.nanoTime() : 0;
            Map<String, Object> step = Json.parseObject(lib.operationStart(operation));
            if (timing) LIBRARY_NANOS.add(System.nanoTime() - t0);
            while (true) {
                String kind = Json.string(step, "step");
                Map<String, Object> input;
                switch (kind) {
                    case "send":
                        input = send(Json.object(step, "request"));
                        break;
                    case "sign":
                        input = sign(Base64.getDecoder().decode(Json.string(step, "data")));
                        break;
                    case "token":
                        input = token(Json.strings(step, "scopes"));
                        break;
                    case "wait":
                        Thread.sleep(Json.optLong(step, "ms"));
                        input = Json.obj("input", "waited");
                        break;
                    case "done":
                        Map<String, Object> error = Json.optObject(step, "error");
                        if (error != null) throw Errors.fromDocument(error);
                        return Json.object(step, "outcome");
                    default:
                        throw new MisuseException("libsystemuser asked for a step this binding does not know: " + kind, Map.of("step", kind));
                }
                step = Json.parseObject(advance(operation, document(input)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            CancellationException c = new CancellationException("interrupted: the operation was abandoned (an exchange in flight was cancelled)");
            c.initCause(e);
            throw c;
        } finally {
            lib.operationDelete(operation);
        }
    }

    /** Does a {@code send} step: returns the input ({@code response} or {@code transport-failed}, without {@code v}). */
    interface Transport {
        Map<String, Object> send(Map<String, Object> request) throws InterruptedException;
    }

    static byte[] document(Map<String, Object> input) {
        Map<String, Object> doc = Json.obj("v", 1L);
        doc.putAll(input);
        return Json.writeBytes(doc);
    }

    private Map<String, Object> sign(byte[] data) {
        if (key == null) return Json.obj("input", "sign-failed", "message", "no Maskinporten key is configured");
        try {
            return Json.obj("input", "signature", "signature", Base64.getEncoder().encodeToString(key.sign(data)));
        } catch (GeneralSecurityException | RuntimeException e) {
            return Json.obj("input", "sign-failed", "message", "the Maskinporten key could not sign (" + e.getClass().getSimpleName() + ")");
        }
    }

    private Map<String, Object> token(List<String> scopes) {
        if (tokens == null) return Json.obj("input", "token-failed", "message", "no token supplier is configured");
        String token;
        try {
            token = tokens.accessToken(new ArrayList<>(scopes));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Json.obj("input", "token-failed", "message", "the token supplier was interrupted");
        } catch (Exception e) {
            return Json.obj("input", "token-failed", "message", "the token supplier failed: " + e.getClass().getSimpleName() + masked(e.getMessage()));
        }
        if (token == null) return Json.obj("input", "token-failed", "message", "the token supplier returned null");
        return Json.obj("input", "token", "token", token);
    }

    /** Anything token-like (a run of 16 or more base64url/JWT characters) masked. */
    private static final Pattern TOKEN_LIKE = Pattern.compile("[A-Za-z0-9_\\-+/=.]{16,}");

    static String masked(String message) {
        if (message == null || message.isEmpty()) return "";
        String m = TOKEN_LIKE.matcher(message).replaceAll("[masked]");
        return ": " + (m.length() > 200 ? m.substring(0, 200) + "…" : m);
    }
}
