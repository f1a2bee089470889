package no.altinn.systemuser;

import java.util.Map;

/** The answer is not understood, not safe (e.g. a foreign confirm URL), or answers another question (another id, system, customer, external ref or kind). */
public final class InvalidResponseException extends SystemUserException {
    private static final long serialVersionUID = 1L;

    public InvalidResponseException(String message, Map<String, Object> details) {
        super(ErrorKind.INVALID_RESPONSE, message, details);
    }
}
