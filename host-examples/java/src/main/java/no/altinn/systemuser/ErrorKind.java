package no.altinn.systemuser;

/** The kinds of {@link SystemUserException}, with the names libsystemuser uses for them. */
public enum ErrorKind {
    /** The input is invalid; nothing was sent ({@link ValidationException}). */
    VALIDATION("validation"),
    /** Altinn refused with a problem ({@link AltinnException}). */
    ALTINN("altinn"),
    /** 401 ({@link UnauthorizedException}). */
    UNAUTHORIZED("unauthorized"),
    /** 403 ({@link ForbiddenException}). */
    FORBIDDEN("forbidden"),
    /** 404 ({@link NotFoundException}). */
    NOT_FOUND("not-found"),
    /** 409 ({@link ConflictException}). */
    CONFLICT("conflict"),
    /** 429, or 5xx after the retries allowed ({@link UnavailableException}). */
    UNAVAILABLE("unavailable"),
    /** The exchange failed or the deadline passed ({@link TransportException}). */
    TRANSPORT("transport"),
    /** The token supplier or the signer failed, or a token cannot be sent ({@link TokenException}). */
    TOKEN("token"),
    /** Maskinporten refused a grant ({@link MaskinportenException}). */
    MASKINPORTEN("maskinporten"),
    /** An answer not understood, not safe, or to another question ({@link InvalidResponseException}). */
    INVALID_RESPONSE("invalid-response"),
    /** The operation protocol was broken: a bug in this binding ({@link MisuseException}). */
    MISUSE("misuse"),
    /** The component trapped; its session was rebuilt ({@link ComponentException}). */
    COMPONENT("component"),
    /** A panic inside libsystemuser, caught at its boundary ({@link PanicException}). */
    PANIC("panic"),
    /** The library or the component cannot be loaded ({@link LoadException}). */
    LOAD("load"),
    /** A document libsystemuser refused ({@link InvalidArgumentException}). */
    INVALID_ARGUMENT("invalid-argument"),
    /** A kind this version of the binding does not know (a newer library). */
    UNKNOWN("unknown");

    private final String wireName;

    ErrorKind(String wireName) {
        this.wireName = wireName;
    }

    /** The name in libsystemuser's documents ({@code not-found}, {@code invalid-response}, …). */
    public String wireName() {
        return wireName;
    }

    public static ErrorKind fromWireName(String name) {
        for (ErrorKind k : values()) {
            if (k.wireName.equals(name)) return k;
        }
        return UNKNOWN;
    }
}
