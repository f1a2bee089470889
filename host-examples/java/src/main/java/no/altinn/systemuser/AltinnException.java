package no.altinn.systemuser;

import java.util.Map;

/** Altinn refused with a problem (400 and the like): key on {@link #code()}. */
public final class AltinnException extends ProblemException {
    private static final long serialVersionUID = 1L;

    public AltinnException(String message, Problem problem, Map<String, Object> details) {
        super(ErrorKind.ALTINN, message, problem, details);
    }
}
