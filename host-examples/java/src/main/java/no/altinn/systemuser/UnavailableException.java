package no.altinn.systemuser;

import java.util.Map;
import java.util.OptionalLong;

/**
 * Altinn or Maskinporten could not answer: 429, or 5xx after the retries the budget and the
 * deadline allowed. "Could not tell", never a "no": the same call may work later, after
 * {@link #retryAfterSeconds()} when the server gave one.
 */
public final class UnavailableException extends ProblemException {
    private static final long serialVersionUID = 1L;

    private final Long retryAfterSeconds;

    public UnavailableException(String message, Problem problem, Long retryAfterSeconds, Map<String, Object> details) {
        super(ErrorKind.UNAVAILABLE, message, problem, details);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The server's {@code Retry-After}, in seconds, when it gave one. */
    public OptionalLong retryAfterSeconds() {
        return retryAfterSeconds == null ? OptionalLong.empty() : OptionalLong.of(retryAfterSeconds);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
