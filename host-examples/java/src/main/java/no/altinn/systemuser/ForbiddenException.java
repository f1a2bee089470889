package no.altinn.systemuser;

import java.util.Map;

/** 403: the token lacks the scope, or the system is another vendor's. */
public final class ForbiddenException extends ProblemException {
    private static final long serialVersionUID = 1L;

    public ForbiddenException(String message, Problem problem, Map<String, Object> details) {
        super(ErrorKind.FORBIDDEN, message, problem, details);
    }
}
