package no.altinn.systemuser;

import java.util.Map;

/** 401: no token, an expired one, or one of another issuer. */
public final class UnauthorizedException extends ProblemException {
    private static final long serialVersionUID = 1L;

    public UnauthorizedException(String message, Problem problem, Map<String, Object> details) {
        super(ErrorKind.UNAUTHORIZED, message, problem, details);
    }
}
