package no.altinn.systemuser;

import java.util.Collections;
import java.util.Map;

/**
 * Anything that went wrong in a {@link SystemUserClient} call. One subclass per kind of the
 * component's {@code error} variant, plus the library's own ({@link LibraryException}).
 *
 * <p>No message, field or {@code toString()} of any of them holds a token, an assertion, a
 * signature or key material: the component takes every bearer token it sent out of every text
 * of an error (a server may quote it back), and this binding puts no header value or body in
 * the messages it writes itself.
 */
public class SystemUserException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;
    private final Map<String, Object> details;

    protected SystemUserException(ErrorKind kind, String message, Map<String, Object> details) {
        super(message, null, false, true);
        this.kind = kind;
        this.details = details == null ? Collections.emptyMap() : Collections.unmodifiableMap(details);
    }

    protected SystemUserException(ErrorKind kind, String message, Map<String, Object> details, Throwable cause) {
        super(message, cause, false, true);
        this.kind = kind;
        this.details = details == null ? Collections.emptyMap() : Collections.unmodifiableMap(details);
    }

    /** Which case of the error variant (or of the library's own errors) this is. */
    public ErrorKind kind() {
        return kind;
    }

    /**
     * {@code true} when Altinn (or the network) could not tell ({@link UnavailableException},
     * {@link TransportException}): the same call may work later. Never a "no".
     */
    public boolean isRetryable() {
        return false;
    }

    /**
     * The error as libsystemuser reported it (its {@code error} document: {@code kind},
     * {@code message}, {@code status}, {@code code}, …), for logging as JSON. Secret-free.
     */
    public Map<String, Object> details() {
        return details;
    }
}
