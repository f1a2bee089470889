package no.altinn.systemuser;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** libsystemuser's errors as exceptions: its functions' own, and the {@code error} of a {@code done} step. */
final class Errors {
    private Errors() {}

    /** An error of a library function ({@code su_error_kind} / {@code su_error_message}). */
    static SystemUserException fromLibrary(String kind, String message) {
        switch (kind) {
            case "invalid-argument": return new InvalidArgumentException(message);
            case "load": return new LoadException(message);
            case "component": return new ComponentException(message);
            case "misuse": return new MisuseException(message, Map.of("kind", kind, "message", message));
            case "panic": return new PanicException(message);
            default: return new SystemUserException(ErrorKind.fromWireName(kind), message, Map.of("kind", kind, "message", message)) {
                private static final long serialVersionUID = 1L;
            };
        }
    }

    /** The {@code error} member of a {@code done} step. */
    static SystemUserException fromDocument(Map<String, Object> e) {
        String kind = Json.string(e, "kind");
        String message = Json.string(e, "message");
        switch (kind) {
            case "validation":
                return new ValidationException(message, violations(e), e);
            case "altinn":
                return new AltinnException(message, problem(e), e);
            case "unauthorized":
                return new UnauthorizedException(message, problem(e), e);
            case "forbidden":
                return new ForbiddenException(message, problem(e), e);
            case "not-found":
                return new NotFoundException(message, problem(e), e);
            case "conflict":
                return new ConflictException(message, problem(e), e);
            case "unavailable":
                return new UnavailableException(message, problem(e), Json.optLong(e, "retryAfterSeconds"), e);
            case "maskinporten":
                return new MaskinportenException(message, problem(e), e);
            case "transport":
                String t = Json.optString(e, "transport");
                return new TransportException(message, TransportKind.fromWireName(t == null ? "other" : t), e);
            case "token":
                return new TokenException(message, e);
            case "invalid-response":
                return new InvalidResponseException(message, e);
            case "misuse":
                return new MisuseException(message, e);
            default:
                return new SystemUserException(ErrorKind.fromWireName(kind), message, e) {
                    private static final long serialVersionUID = 1L;
                };
        }
    }

    private static ProblemException.Problem problem(Map<String, Object> e) {
        Long status = Json.optLong(e, "status");
        Map<String, Object> ext = Json.optObject(e, "extensions");
        return new ProblemException.Problem(status == null ? null : Math.toIntExact(status), Json.optString(e, "code"), Json.optString(e, "title"),
                Json.optString(e, "detail"), Json.optString(e, "traceId"), ext == null ? null : java.util.Collections.unmodifiableMap(ext), violations(e));
    }

    static List<Violation> violations(Map<String, Object> e) {
        List<Violation> out = new ArrayList<>();
        for (Map<String, Object> v : Json.objects(e, "violations")) {
            out.add(new Violation(Json.string(v, "code"), Json.string(v, "field"), Json.string(v, "message")));
        }
        return out;
    }
}
