package no.altinn.systemuser;

import java.util.Map;

/** Maskinporten refused a grant: {@link #code()} is {@code MP-120} (key not registered), {@code MP-130} (clock), {@code MP-303} (no system user), …; the message says what to fix. */
public final class MaskinportenException extends ProblemException {
    private static final long serialVersionUID = 1L;

    public MaskinportenException(String message, Problem problem, Map<String, Object> details) {
        super(ErrorKind.MASKINPORTEN, message, problem, details);
    }
}
